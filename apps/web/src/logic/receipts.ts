/**
 * Read state as the sender sees it: ✓ once the server stored the message (it has a seq), ✓✓ once
 * every other member's cursor passed it (the server's fully-read watermark), and per message the
 * members whose read cursor reached it (a group's "read by" list).
 */
import type { Message } from "./types.ts";

/** queued: waiting for a connection; pending: sent, no answer yet; failed: given up, can be retried. */
export type Tick = "queued" | "pending" | "failed" | "sent" | "read";

/** Read cursors of one chat (user id → last_read_seq); cursors only move forward. */
export class ReadCursors {
  private readonly bySeq = new Map<number, number>();

  set(userId: number, seq: number): boolean {
    const cur = this.bySeq.get(userId) ?? 0;
    if (seq <= cur && this.bySeq.has(userId)) return false;
    this.bySeq.set(userId, Math.max(cur, seq));
    return true;
  }

  get(userId: number): number {
    return this.bySeq.get(userId) ?? 0;
  }

  /** Forget members who left (their cursor no longer counts). */
  keepOnly(userIds: Iterable<number>): void {
    const keep = new Set(userIds);
    for (const id of [...this.bySeq.keys()]) if (!keep.has(id)) this.bySeq.delete(id);
  }

  /** Members other than `senderId` whose cursor reached `seq`. */
  readersOf(seq: number, senderId: number): number[] {
    return [...this.bySeq]
      .filter(([user, cursor]) => user !== senderId && cursor >= seq)
      .map(([user]) => user);
  }

  /** The lowest cursor among members other than `userId` (undefined when alone). */
  minOthers(userId: number): number | undefined {
    let min: number | undefined;
    for (const [user, cursor] of this.bySeq)
      if (user !== userId) min = min === undefined ? cursor : Math.min(min, cursor);
    return min;
  }
}

export function tickOf(m: Message, fullyReadSeq: number): Tick {
  return m.seq <= fullyReadSeq ? "read" : "sent";
}

export const tickGlyph: Record<Tick, string> = {
  queued: "…",
  pending: "…",
  failed: "!",
  sent: "✓",
  read: "✓✓",
};
export const tickLabel: Record<Tick, string> = {
  queued: "Waiting for the connection",
  pending: "Sending",
  failed: "Not sent",
  sent: "Sent",
  read: "Read by everyone",
};

/** "Read by Ann, Bob and 3 others" from reader names (at most `show` names spelled out). */
export function readByLabel(names: string[], show = 3): string {
  if (names.length === 0) return "";
  if (names.length <= show) return `Read by ${joinNames(names)}`;
  const rest = names.length - show;
  return `Read by ${names.slice(0, show).join(", ")} and ${rest} other${rest === 1 ? "" : "s"}`;
}

export function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
