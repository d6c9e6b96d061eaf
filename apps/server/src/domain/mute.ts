/** Per-chat mute of Web Push (issue 18): until a time, forever, or not; @mentions still notify; told to all my devices. */
import type { DomainContext } from "./context.ts";
import { requireMember } from "./access.ts";

export type MuteUntil = string | "forever" | null;

export async function muteChat(
  ctx: DomainContext,
  userId: number,
  chatId: number,
  until: MuteUntil,
): Promise<{ chat_id: number; muted_until: MuteUntil }> {
  await requireMember(ctx, chatId, userId);
  const value = until === "forever" ? "infinity" : until;
  const { rows } = await ctx.db.pool.query<{ forever: boolean; until: Date | null }>(
    `UPDATE chat_members SET muted_until = $3::timestamptz WHERE chat_id = $1 AND user_id = $2
     RETURNING muted_until = 'infinity' AS forever, CASE WHEN muted_until = 'infinity' THEN NULL ELSE muted_until END AS until`,
    [chatId, userId, value],
  );
  const r = rows[0];
  const muted_until = !r ? null : r.forever ? "forever" : r.until ? r.until.toISOString() : null;
  const out = { chat_id: chatId, muted_until };
  // My other tabs and devices, on every node, show and apply the mute at once.
  if (r) ctx.bus.toUser(userId, "chat:muted", out);
  return out;
}
