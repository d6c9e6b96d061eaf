/** The one place that decides who may read or write a chat. */
import { AppError } from "@chat/protocol";
import type { DomainContext } from "./context.ts";

export interface Membership {
  chat_id: number;
  user_id: number;
  role: "owner" | "admin" | "member";
  type: "private" | "group";
  last_seq: number;
  /** End-to-end encrypted (MLS): the origin's surfaces refuse it. */
  encrypted: boolean;
}

/** The caller's membership in the chat: 404 if the chat does not exist, 403 if not a member. */
export async function requireMember(ctx: DomainContext, chatId: number, userId: number): Promise<Membership> {
  const { rows } = await ctx.db.pool.query<Membership & { is_member: boolean }>(
    `SELECT c.id AS chat_id, $2::int AS user_id, m.role, c.type, c.last_seq, c.encrypted, m.user_id IS NOT NULL AS is_member
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

/**
 * The chat's members version if the user is a member now, else `not_a_member`: one indexed
 * lookup for events that are not stored (typing), checked at the moment of the event.
 */
export async function membersVersionFor(ctx: DomainContext, chatId: number, userId: number): Promise<number> {
  const { rows } = await ctx.db.pool.query<{ members_version: number }>(
    `SELECT c.members_version FROM chats c JOIN chat_members m ON m.chat_id = c.id AND m.user_id = $2
      WHERE c.id = $1`,
    [chatId, userId],
  );
  if (rows.length === 0) throw new AppError("not_a_member");
  return rows[0].members_version;
}
