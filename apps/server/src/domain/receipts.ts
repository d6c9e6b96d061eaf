/**
 * Read cursors and the "fully read" watermark (ARCHITECTURE.md, "Read receipts").
 *
 * Every change that can move a watermark (a cursor moving, a member leaving) runs in a transaction
 * holding the chat's advisory lock (chat-lock-batch.ts), so two members reading at the same instant
 * are serialized: the second sees the first's cursor, and a sender's `fully_read_seq` only ever grows
 * (`raiseWatermarks`), so each message is reported as newly fully read exactly once.
 */
import { AppError } from "@chat/protocol";
import type pg from "pg";
import type { DomainContext } from "./context.ts";
import { inChatBatchOf, type BatchHandler, type Outcome } from "./chat-lock-batch.ts";

export interface FullyRead {
  senderId: number;
  upToSeq: number;
  messageIds: number[];
}

export interface ReadOutcome {
  chatId: number;
  lastReadSeq: number;
  moved: boolean;
  fullyRead: FullyRead[];
}

/**
 * Raises every sender's watermark to the lowest cursor of the other members (after a member left);
 * answers what became fully read. The caller holds the chat's receipt lock (chat-lock-batch.ts).
 */
export async function advanceWatermarks(client: pg.PoolClient, chatId: number): Promise<FullyRead[]> {
  const chats = await loadCursors(client, [chatId]);
  const chat = chats.get(chatId);
  if (!chat) return [];
  const raised = raiseWatermarks(chat, chatId, 0);
  const ids = await writeCursors(client, chats, raised);
  return fullyReadOf(raised, ids);
}

/** Moves the reader's cursor to max(cursor, seq), capped at the chat's last seq. */
export async function markRead(
  ctx: DomainContext,
  chatId: number,
  readerId: number,
  seq: number,
): Promise<ReadOutcome> {
  const out = await inChatBatchOf(ctx.db.pool, chatId, applyReads, { readerId, seq });
  publishReceipts(ctx, out.chatId, out.moved ? readerId : null, out.lastReadSeq, out.fullyRead);
  return out;
}

interface ReadRequest {
  readerId: number;
  seq: number;
}
interface MemberCursor {
  lastRead: number;
  fullyRead: number;
  dirty: boolean;
}

/**
 * Every read of a batch in two queries, whatever their number and chats: the chats' cursors are read
 * once, each read is applied in arrival order in memory exactly as it would be alone (so the read
 * that completes a message is the one told it is fully read), then the moved cursors and raised
 * watermarks are written and the newly fully-read messages fetched in one statement.
 */
const applyReads: BatchHandler<ReadRequest, ReadOutcome> = async (client, jobs) => {
  const chats = await loadCursors(client, [...new Set(jobs.map((j) => j.chatId))]);
  const outcomes: Outcome<ReadOutcome>[] = [];
  const raised: Raise[] = [];
  jobs.forEach(({ chatId, input: { readerId, seq } }, job) => {
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
  const ids = await writeCursors(client, chats, raised);
  for (const f of fullyReadOf(raised, ids)) {
    const o = outcomes[f.job];
    if (o.ok) o.value.fullyRead.push({ senderId: f.senderId, upToSeq: f.upToSeq, messageIds: f.messageIds });
  }
  return outcomes;
};

interface ChatCursors {
  lastSeq: number;
  members: Map<number, MemberCursor>;
}
/** A sender's watermark raised from `lo` to `hi` by job `job` of a batch. */
interface Raise {
  chatId: number;
  senderId: number;
  lo: number;
  hi: number;
  job: number;
}

async function loadCursors(client: pg.PoolClient, chatIds: number[]): Promise<Map<number, ChatCursors>> {
  const { rows } = await client.query<{
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

/**
 * The one rule of "fully read": each sender's watermark is the lowest cursor among the other members,
 * and only ever grows. The lowest and the second lowest of all cursors answer it for every member.
 */
function raiseWatermarks(chat: ChatCursors, chatId: number, job: number): Raise[] {
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

/** Writes the changed cursors; answers the ids of the messages each raise made fully read, by `job:sender`. */
async function writeCursors(
  client: pg.PoolClient,
  chats: Map<number, ChatCursors>,
  raised: Raise[],
): Promise<Map<string, number[]>> {
  const dirty = [...chats].flatMap(([chatId, c]) =>
    [...c.members].filter(([, m]) => m.dirty).map(([userId, m]) => ({ chatId, userId, ...m })),
  );
  const byRaise = new Map<string, number[]>();
  if (dirty.length === 0) return byRaise;
  const ids = await client.query<{ id: number; sender_id: number; job: number }>(
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
