/**
 * Where the "New messages" line goes in a chat's loaded messages: above the first message of
 * someone else at or after the first unread seq, but only when every message from that seq up to
 * it is loaded. Otherwise the first unread lies in history not loaded yet (older pages, or a hole
 * before a message opened in its context) and the line would sit too low: the view then loads
 * older pages until it can place it.
 */
import type { TimelineItem } from "./timeline.ts";

/** The index of the item the line goes above, or -1 (no unread, or not loaded down to it). */
export function unreadLineAt(
  items: readonly TimelineItem[],
  me: number,
  firstUnread: number | undefined,
  hasOlder: boolean,
): number {
  if (firstUnread === undefined) return -1;
  const at = items.findIndex(
    (it) => it.kind === "message" && it.message.seq >= firstUnread && it.message.sender_id !== me,
  );
  if (at < 0) return -1;
  const loaded = new Set<number>();
  for (const it of items) if (it.kind === "message") loaded.add(it.message.seq);
  const upTo = (items[at] as Extract<TimelineItem, { kind: "message" }>).message.seq;
  // With nothing older to load, seqs below the oldest loaded one are not there to show.
  const oldest = Math.min(...loaded);
  for (let seq = hasOlder ? firstUnread : Math.max(firstUnread, oldest); seq < upTo; seq++)
    if (!loaded.has(seq)) return -1;
  return at;
}
