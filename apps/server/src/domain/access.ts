/** The one place that decides who may read or write a chat. */
import { AppError } from "@chat/protocol";
import type { DomainContext } from "./context.ts";

export interface Membership {
  chat_id: number;
  user_id: number;
  role: "owner" | "admin" | "member";
  type: "private" | "group";
  last_seq: number;
}

/** The caller's membership in the chat: 404 if the chat does not exist, 403 if not a member. */
export async function requireMember(ctx: DomainContext, chatId: number, userId: number): Promise<Membership> {
  const { rows } = await ctx.db.pool.query<Membership & { is_member: boolean }>(
    `SELECT c.id AS chat_id, $2::int AS user_id, m.role, c.type, c.last_seq, m.user_id IS NOT NULL AS is_member
       FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = $2
      WHERE c.id = $1`,
    [chatId, userId],
  );
  const row = rows[0];
  if (!row) throw new AppError("chat_not_found");
  if (!row.is_member) throw new AppError("not_a_member");
  return row;
}

export function canManageMembers(m: Membership): boolean {
  return m.role === "owner" || m.role === "admin";
}
