/**
 * Read cursors and the "fully read" watermark (ARCHITECTURE.md, "Read receipts").
 *
 * Every change that can move a watermark (a cursor moving, a member leaving) runs in a transaction
 * holding the chat's advisory lock (the receipts group commit, store/group-commit.ts), so two members reading at the same instant
 * are serialized: the second sees the first's cursor, and a sender's `fully_read_seq` only ever grows
 * (`raiseWatermarks`), so each message is reported as newly fully read exactly once.
 */
import { AppError } from "@chat/protocol";
import type { DomainContext } from "./context.ts";
import type { BatchHandler, Tx } from "../store/group-commit.ts";
import {
  applyReadsInMemory,
  raiseWatermarks,
  type ChatCursors,
  type Raise,
  type ReadOutcome,
  type ReadRequest,
} from "./watermarks.ts";

export type FullyRead = ReadOutcome["fullyRead"][number];

/**
 * Raises every sender's watermark to the lowest cursor of the other members (after a member left);
 * answers what became fully read. The caller is a job of the receipts group commit (it holds the lock).
 */
export async function advanceWatermarks(tx: Tx, chatId: number): Promise<FullyRead[]> {
  const chats = await loadCursors(tx, [chatId]);
  const chat = chats.get(chatId);
  if (!chat) return [];
  const raised = raiseWatermarks(chat, chatId, 0);
  const ids = await writeCursors(tx, chats, raised);
  return fullyReadOf(raised, ids);
}

/** Moves the reader's cursor to max(cursor, seq), capped at the chat's last seq. */
export async function markRead(
  ctx: DomainContext,
  chatId: number,
  readerId: number,
  seq: number,
): Promise<ReadOutcome> {
  const out = await ctx.commits.receipts.run(chatId, applyReads, { chatId, readerId, seq });
  publishReceipts(ctx, out.chatId, out.moved ? readerId : null, out.lastReadSeq, out.fullyRead);
  return out;
}

/**
 * Every read of a batch in two queries, whatever their number and chats: the chats' cursors are read
 * once, each read is applied in arrival order in memory exactly as it would be alone (so the read
 * that completes a message is the one told it is fully read), then the moved cursors and raised
 * watermarks are written and the newly fully-read messages fetched in one statement.
 */
const applyReads: BatchHandler<ReadRequest, ReadOutcome> = async (tx, jobs) => {
  const chats = await loadCursors(tx, [...new Set(jobs.map((j) => j.chatId))]);
  const { outcomes, raised } = applyReadsInMemory(
    chats,
    jobs.map((j) => j.input),
  );
  const ids = await writeCursors(tx, chats, raised);
  for (const f of fullyReadOf(raised, ids)) {
    const o = outcomes[f.job];
    if (o.ok) o.value.fullyRead.push({ senderId: f.senderId, upToSeq: f.upToSeq, messageIds: f.messageIds });
  }
  return outcomes;
};

async function loadCursors(tx: Tx, chatIds: number[]): Promise<Map<number, ChatCursors>> {
  const { rows } = await tx.query<{
    chat_id: number;
    last_seq: number;
    user_id: number | null;
    last_read_seq: number;
    fully_read_seq: number;
  }>(
    `SELECT c.id AS chat_id, c.last_seq, m.user_id, m.last_read_seq, m.fully_read_seq
       FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id WHERE c.id = ANY($1::int[])`,
    [chatIds],
  );
  const chats = new Map<number, ChatCursors>();
  for (const r of rows) {
    let chat = chats.get(r.chat_id);
    if (!chat) chats.set(r.chat_id, (chat = { lastSeq: r.last_seq, members: new Map() }));
    if (r.user_id !== null)
      chat.members.set(r.user_id, { lastRead: r.last_read_seq, fullyRead: r.fully_read_seq, dirty: false });
  }
  return chats;
}

/** Writes the changed cursors; answers the ids of the messages each raise made fully read, by `job:sender`. */
async function writeCursors(
  tx: Tx,
  chats: Map<number, ChatCursors>,
  raised: Raise[],
): Promise<Map<string, number[]>> {
  const dirty = [...chats].flatMap(([chatId, c]) =>
    [...c.members].filter(([, m]) => m.dirty).map(([userId, m]) => ({ chatId, userId, ...m })),
  );
  const byRaise = new Map<string, number[]>();
  if (dirty.length === 0) return byRaise;
  const ids = await tx.write<{ id: number; sender_id: number; job: number }>(
    `WITH cursors AS (
       UPDATE chat_members m SET last_read_seq = v.last_read, fully_read_seq = v.fully_read
         FROM unnest($1::int[], $2::int[], $3::int[], $4::int[]) AS v(chat_id, user_id, last_read, fully_read)
        WHERE m.chat_id = v.chat_id AND m.user_id = v.user_id)
     SELECT m.id, m.sender_id, r.job FROM messages m
       JOIN unnest($5::int[], $6::int[], $7::int[], $8::int[], $9::int[]) AS r(chat_id, sender_id, lo, hi, job)
         ON m.chat_id = r.chat_id AND m.sender_id = r.sender_id AND m.seq > r.lo AND m.seq <= r.hi
      ORDER BY m.seq`,
    [
      dirty.map((d) => d.chatId),
      dirty.map((d) => d.userId),
      dirty.map((d) => d.lastRead),
      dirty.map((d) => d.fullyRead),
      raised.map((r) => r.chatId),
      raised.map((r) => r.senderId),
      raised.map((r) => r.lo),
      raised.map((r) => r.hi),
      raised.map((r) => r.job),
    ],
  );
  for (const m of ids.rows) {
    const k = `${m.job}:${m.sender_id}`;
    const list = byRaise.get(k);
    if (list) list.push(m.id);
    else byRaise.set(k, [m.id]);
  }
  return byRaise;
}

function fullyReadOf(raised: Raise[], ids: Map<string, number[]>): Array<FullyRead & { job: number }> {
  return raised.flatMap((r) => {
    const messageIds = ids.get(`${r.job}:${r.senderId}`) ?? [];
    return messageIds.length > 0 ? [{ senderId: r.senderId, upToSeq: r.hi, messageIds, job: r.job }] : [];
  });
}

export function publishReceipts(
  ctx: DomainContext,
  chatId: number,
  readerId: number | null,
  lastReadSeq: number,
  fullyRead: FullyRead[],
): void {
  if (readerId !== null) {
    ctx.bus.toChat(chatId, "receipt:read", {
      chat_id: chatId,
      user_id: readerId,
      last_read_seq: lastReadSeq,
    });
  }
  for (const f of fullyRead) {
    ctx.bus.toUser(f.senderId, "receipt:fully_read", {
      chat_id: chatId,
      message_ids: f.messageIds,
      up_to_seq: f.upToSeq,
    });
  }
}

/** Marks read up to a message (the origin's `PUT /message/read/{id}`). */
export async function markMessageRead(ctx: DomainContext, messageId: number, readerId: number) {
  const msg = await ctx.db.pool.query<{ chat_id: number; seq: number; sender_id: number }>(
    "SELECT chat_id, seq, sender_id FROM messages WHERE id = $1",
    [messageId],
  );
  const m = msg.rows[0];
  if (!m) throw new AppError("message_not_found");
  const out = await markRead(ctx, m.chat_id, readerId, m.seq);
  const fullyRead = out.fullyRead.some((f) => f.messageIds.includes(messageId));
  return { ...out, fullyReadThis: fullyRead };
}
