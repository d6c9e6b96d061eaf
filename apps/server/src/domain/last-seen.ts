/**
 * "Last seen" (issue 18): Redis keeps it with presence (cluster/presence.redis.ts); PostgreSQL
 * keeps a copy (`users.last_seen_at`) written when the last device disconnects, the answer when
 * Redis has none (restarted, flushed, or the memory presence of a restarted single node). Shown
 * only to people who share a chat with the user (and to the user): what a stranger could learn
 * by polling is not theirs to learn.
 */
import type { PresenceState } from "../cluster/presence.ts";
import type { DomainContext } from "./context.ts";

/** Writes the moment the user's last device left. */
export async function rememberLastSeen(ctx: DomainContext, userId: number, at = new Date()): Promise<void> {
  await ctx.db.pool.query("UPDATE users SET last_seen_at = $2 WHERE id = $1", [userId, at]);
}

/** Does `viewer` share a chat with `userId` (or is it the same user)? */
async function sharesChat(ctx: DomainContext, viewer: number, userId: number): Promise<boolean> {
  if (viewer === userId) return true;
  const { rows } = await ctx.db.pool.query(
    `SELECT 1 FROM chat_members a JOIN chat_members b ON b.chat_id = a.chat_id AND b.user_id = $2
      WHERE a.user_id = $1 LIMIT 1`,
    [viewer, userId],
  );
  return rows.length > 0;
}

/** The presence `viewer` may see: last_seen only with a shared chat; PostgreSQL's when Redis has none. */
export async function presenceFor(
  ctx: DomainContext,
  viewer: number,
  state: PresenceState,
): Promise<PresenceState> {
  if (state.online) return { ...state, last_seen: null };
  if (!(await sharesChat(ctx, viewer, state.user_id))) return { ...state, last_seen: null };
  if (state.last_seen !== null) return state;
  const { rows } = await ctx.db.pool.query<{ last_seen_at: Date | null }>(
    "SELECT last_seen_at FROM users WHERE id = $1",
    [state.user_id],
  );
  const at = rows[0]?.last_seen_at;
  return { ...state, last_seen: at ? new Date(at).toISOString() : null };
}
