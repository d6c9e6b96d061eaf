/**
 * Read cursors and the "fully read" watermark (ARCHITECTURE.md, "Read receipts").
 *
 * Every change that can move a watermark (a cursor moving, a member leaving) runs in one
 * transaction holding a per-chat advisory lock, so two members reading at the same instant are
 * serialized: the second sees the first's cursor, and the conditional UPDATE of the sender's
 * `fully_read_seq` (only where it grows) reports each message as newly fully read exactly once.
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

/** Raises every sender's watermark to the lowest cursor of the other members; answers what became fully read. */
export async function advanceWatermarks(client: pg.PoolClient, chatId: number): Promise<FullyRead[]> {
  const raised = await client.query<{ user_id: number; old_seq: number; new_seq: number }>(
    `WITH wm AS (
       SELECT s.user_id, s.fully_read_seq AS old_seq,
              (SELECT min(o.last_read_seq) FROM chat_members o
                WHERE o.chat_id = s.chat_id AND o.user_id <> s.user_id) AS new_seq
         FROM chat_members s WHERE s.chat_id = $1)
     UPDATE chat_members s SET fully_read_seq = wm.new_seq
       FROM wm
      WHERE s.chat_id = $1 AND s.user_id = wm.user_id AND wm.new_seq > s.fully_read_seq
     RETURNING s.user_id, wm.old_seq, wm.new_seq`,
    [chatId],
  );
  if (raised.rows.length === 0) return [];
  const msgs = await client.query<{ id: number; sender_id: number }>(
    `SELECT m.id, m.sender_id FROM messages m
       JOIN unnest($2::int[], $3::int[], $4::int[]) AS r(sender_id, lo, hi)
         ON m.sender_id = r.sender_id AND m.seq > r.lo AND m.seq <= r.hi
      WHERE m.chat_id = $1
      ORDER BY m.seq`,
    [
      chatId,
      raised.rows.map((r) => r.user_id),
      raised.rows.map((r) => r.old_seq),
      raised.rows.map((r) => r.new_seq),
    ],
  );
  return raised.rows
    .map((r) => ({
      senderId: r.user_id,
      upToSeq: r.new_seq,
      messageIds: msgs.rows.filter((m) => m.sender_id === r.user_id).map((m) => m.id),
    }))
    .filter((f) => f.messageIds.length > 0);
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
 * once, each read is applied in arrival order in memory exactly as `advanceWatermarks` would apply it
 * alone (so the read that completes a message is the one told it is fully read), then the moved
 * cursors and raised watermarks are written and the newly fully-read messages fetched in one statement.
 */
const applyReads: BatchHandler<ReadRequest, ReadOutcome> = async (client, jobs) => {
  const { rows } = await client.query<{
    chat_id: number;
    last_seq: number;
    user_id: number | null;
    last_read_seq: number;
    fully_read_seq: number;
  }>(
    `SELECT c.id AS chat_id, c.last_seq, m.user_id, m.last_read_seq, m.fully_read_seq
       FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id WHERE c.id = ANY($1::int[])`,
    [[...new Set(jobs.map((j) => j.chatId))]],
  );
  const chats = new Map<number, { lastSeq: number; members: Map<number, MemberCursor> }>();
  for (const r of rows) {
    let chat = chats.get(r.chat_id);
    if (!chat) chats.set(r.chat_id, (chat = { lastSeq: r.last_seq, members: new Map() }));
    if (r.user_id !== null)
      chat.members.set(r.user_id, { lastRead: r.last_read_seq, fullyRead: r.fully_read_seq, dirty: false });
  }

  const outcomes: Outcome<ReadOutcome>[] = [];
  const raised: Array<{ chatId: number; senderId: number; lo: number; hi: number; job: number }> = [];
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
    // Each sender's watermark is the lowest cursor among the other members: the lowest and the
    // second lowest of all cursors answer that for every member at once.
    let min = Infinity;
    let second = Infinity;
    let minHolder = -1;
    for (const [id, m] of chat.members) {
      if (m.lastRead < min) [second, min, minHolder] = [min, m.lastRead, id];
      else if (m.lastRead < second) second = m.lastRead;
    }
    for (const [id, m] of chat.members) {
      const wm = id === minHolder ? second : min;
      if (wm !== Infinity && wm > m.fullyRead) {
        raised.push({ chatId, senderId: id, lo: m.fullyRead, hi: wm, job });
        m.fullyRead = wm;
        m.dirty = true;
      }
    }
    return outcomes.push({ ok: true, value: { chatId, lastReadSeq: target, moved: true, fullyRead: [] } });
  });

  const dirty = [...chats].flatMap(([chatId, c]) =>
    [...c.members].filter(([, m]) => m.dirty).map(([userId, m]) => ({ chatId, userId, ...m })),
  );
  if (dirty.length === 0) return outcomes;
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
  const byRaise = new Map<string, number[]>();
  for (const m of ids.rows) {
    const k = `${m.job}:${m.sender_id}`;
    const list = byRaise.get(k);
    if (list) list.push(m.id);
    else byRaise.set(k, [m.id]);
  }
  for (const r of raised) {
    const o = outcomes[r.job];
    const messageIds = byRaise.get(`${r.job}:${r.senderId}`) ?? [];
    if (o.ok && messageIds.length > 0)
      o.value.fullyRead.push({ senderId: r.senderId, upToSeq: r.hi, messageIds });
  }
  return outcomes;
};

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
