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
import { inChatBatch } from "./chat-lock-batch.ts";

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
  const out = await inChatBatch(ctx.db.pool, chatId, async (client) => {
    const cur = await client.query<{ last_read_seq: number; last_seq: number }>(
      `SELECT m.last_read_seq, c.last_seq FROM chat_members m JOIN chats c ON c.id = m.chat_id
        WHERE m.chat_id = $1 AND m.user_id = $2`,
      [chatId, readerId],
    );
    const row = cur.rows[0];
    if (!row) {
      const chat = await client.query("SELECT 1 FROM chats WHERE id = $1", [chatId]);
      throw new AppError(chat.rowCount ? "not_a_member" : "chat_not_found");
    }
    const target = Math.min(seq, row.last_seq);
    if (target <= row.last_read_seq) {
      return { chatId, lastReadSeq: row.last_read_seq, moved: false, fullyRead: [] };
    }
    await client.query("UPDATE chat_members SET last_read_seq = $3 WHERE chat_id = $1 AND user_id = $2", [
      chatId,
      readerId,
      target,
    ]);
    const fullyRead = await advanceWatermarks(client, chatId);
    return { chatId, lastReadSeq: target, moved: true, fullyRead };
  });
  publishReceipts(ctx, out.chatId, out.moved ? readerId : null, out.lastReadSeq, out.fullyRead);
  return out;
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
