/**
 * The "fully read" rule, without the database (receipts.ts loads the cursors, applies this, writes
 * what changed). Each sender's watermark (`fully_read_seq`) is the lowest read cursor among the
 * other members, and only ever grows, so each message is reported as newly fully read exactly once.
 */
import { AppError } from "@chat/protocol";
import type { Outcome } from "../store/group-commit.ts";

export interface MemberCursor {
  lastRead: number;
  fullyRead: number;
  /** Changed since loaded: to be written. */
  dirty: boolean;
}

export interface ChatCursors {
  lastSeq: number;
  members: Map<number, MemberCursor>;
}

/** A sender's watermark raised from `lo` to `hi` by job `job` of a batch. */
export interface Raise {
  chatId: number;
  senderId: number;
  lo: number;
  hi: number;
  job: number;
}

export interface ReadRequest {
  chatId: number;
  readerId: number;
  seq: number;
}

export interface ReadOutcome {
  chatId: number;
  lastReadSeq: number;
  moved: boolean;
  fullyRead: Array<{ senderId: number; upToSeq: number; messageIds: number[] }>;
}

/**
 * Raises every sender's watermark in `chat` to the lowest cursor of the other members. The lowest
 * and the second lowest of all cursors answer it for every member.
 */
export function raiseWatermarks(chat: ChatCursors, chatId: number, job: number): Raise[] {
  let min = Infinity;
  let second = Infinity;
  let minHolder = -1;
  for (const [id, m] of chat.members) {
    if (m.lastRead < min) [second, min, minHolder] = [min, m.lastRead, id];
    else if (m.lastRead < second) second = m.lastRead;
  }
  const raised: Raise[] = [];
  for (const [id, m] of chat.members) {
    const wm = id === minHolder ? second : min;
    if (wm !== Infinity && wm > m.fullyRead) {
      raised.push({ chatId, senderId: id, lo: m.fullyRead, hi: wm, job });
      m.fullyRead = wm;
      m.dirty = true;
    }
  }
  return raised;
}

/**
 * Applies a batch of reads to the loaded cursors, in arrival order, each exactly as it would be
 * alone (so the read that completes a message is the one its raise is attributed to): a cursor
 * moves to max(cursor, seq) capped at the chat's last seq. One outcome per read (its `fullyRead` is
 * filled in once the raised ranges' message ids are known), and every raise.
 */
export function applyReadsInMemory(
  chats: Map<number, ChatCursors>,
  reads: ReadRequest[],
): { outcomes: Outcome<ReadOutcome>[]; raised: Raise[] } {
  const outcomes: Outcome<ReadOutcome>[] = [];
  const raised: Raise[] = [];
  reads.forEach(({ chatId, readerId, seq }, job) => {
    const chat = chats.get(chatId);
    if (!chat) return outcomes.push({ ok: false, error: new AppError("chat_not_found") });
    const me = chat.members.get(readerId);
    if (!me) return outcomes.push({ ok: false, error: new AppError("not_a_member") });
    const target = Math.min(seq, chat.lastSeq);
    if (target <= me.lastRead) {
      return outcomes.push({
        ok: true,
        value: { chatId, lastReadSeq: me.lastRead, moved: false, fullyRead: [] },
      });
    }
    me.lastRead = target;
    me.dirty = true;
    raised.push(...raiseWatermarks(chat, chatId, job));
    return outcomes.push({ ok: true, value: { chatId, lastReadSeq: target, moved: true, fullyRead: [] } });
  });
  return { outcomes, raised };
}
