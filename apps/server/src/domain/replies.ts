/**
 * Replies (issue 18): a message may quote another message of the same chat. The quote is built
 * when the message is read (`replyOf`), never copied: it shows the quoted text as it is now (an
 * edit shows; a delete shows as `deleted: true` with no text), its sender and seq (to jump to it).
 */
import { AppError, REPLY_SNIPPET } from "@chat/protocol";
import type { DomainContext } from "./context.ts";

export interface ReplyRow {
  id: number;
  seq: number;
  sender_id: number;
  snippet: string;
  deleted: boolean;
}

/** The SQL of the quote of message row `alias` (`AS reply`): a JSON object, or NULL when it replies to nothing. */
export const replyOf = (alias: string) =>
  `(SELECT json_build_object('id', o.id, 'seq', o.seq, 'sender_id', o.sender_id,
            'snippet', CASE WHEN o.deleted_at IS NULL THEN left(o.text, ${REPLY_SNIPPET}) ELSE '' END,
            'deleted', o.deleted_at IS NOT NULL)
      FROM messages o WHERE o.id = ${alias}.reply_to) AS reply`;

/**
 * A reply's target must be a message of the same chat, not deleted. Messages never move between
 * chats and are never removed one by one, so checking before the write cannot be outdated by it
 * (a delete racing the send leaves a quote that reads "deleted", as after any later delete).
 */
export async function checkReplyTarget(ctx: DomainContext, chatId: number, replyTo: number): Promise<void> {
  const { rows } = await ctx.db.pool.query<{ chat_id: number; deleted: boolean }>(
    "SELECT chat_id, deleted_at IS NOT NULL AS deleted FROM messages WHERE id = $1",
    [replyTo],
  );
  // Another chat's message is answered as absent: its existence is not told to outsiders.
  if (!rows[0] || rows[0].chat_id !== chatId)
    throw new AppError("message_not_found", "reply_to is not a message of this chat");
  if (rows[0].deleted) throw new AppError("conflict", "The message replied to was deleted");
}
