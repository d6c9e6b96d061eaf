/**
 * Reactions (issue 18): one emoji of one user on one message, toggled. Checked at the moment of
 * access (a member now; the message of this chat, not deleted); refused in encrypted chats (the
 * server would learn who reacted how to what, and no client carries reactions inside MLS yet). Every
 * toggle is broadcast as the message's whole list (`message:reactions`), through the same
 * membership-versioned delivery as messages, and spends the send budget.
 */
import { AppError, REACTION_KINDS_MAX, REACTION_USERS_SHOWN, type RouteResponse } from "@chat/protocol";
import { enforce } from "../cluster/rate-limit.ts";
import { requireMember } from "./access.ts";
import type { DomainContext } from "./context.ts";

export interface ReactionRow {
  emoji: string;
  count: number;
  user_ids: number[];
}

/** JSON bytes of a page row's reactions (`reactionsOf` selected as `reactions`) for the answer budget. */
export const reactionsJsonSize = (alias: string) => `coalesce(octet_length(${alias}.reactions::text), 0)`;

/**
 * The SQL of a message's reactions, `AS reactions`: a JSON array (first added first), or NULL when
 * it has none or is deleted. Bounded: REACTION_KINDS_MAX emojis, REACTION_USERS_SHOWN users each.
 */
export const reactionsOf = (alias: string) =>
  `(SELECT json_agg(json_build_object('emoji', r.emoji, 'count', r.count, 'user_ids', r.user_ids) ORDER BY r.first_at, r.emoji)
      FROM (SELECT emoji, count(*)::int AS count, min(created_at) AS first_at,
                   (array_agg(user_id ORDER BY created_at, user_id))[1:${REACTION_USERS_SHOWN}] AS user_ids
              FROM message_reactions WHERE message_id = ${alias}.id AND ${alias}.deleted_at IS NULL
             GROUP BY emoji ORDER BY min(created_at), emoji LIMIT ${REACTION_KINDS_MAX}) r) AS reactions`;

type Toggled = RouteResponse<"toggleReaction">;

export async function toggleReaction(
  ctx: DomainContext,
  userId: number,
  input: { chat_id: number; message_id: number; emoji: string },
): Promise<Toggled> {
  await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(userId)]]);
  const member = await requireMember(ctx, input.chat_id, userId);
  if (member.encrypted)
    throw new AppError("encrypted_chat", "Reactions are not available in encrypted chats yet");
  const client = await ctx.db.pool.connect();
  let reacted: boolean;
  let reactions: ReactionRow[];
  let membersVersion: number;
  try {
    await client.query("BEGIN");
    // The message, locked: toggles of one message are serialized (the kinds bound holds).
    const msg = await client.query<{ deleted: boolean; members_version: number }>(
      `SELECT m.deleted_at IS NOT NULL AS deleted, c.members_version
         FROM messages m JOIN chats c ON c.id = m.chat_id
        WHERE m.id = $1 AND m.chat_id = $2 FOR UPDATE OF m`,
      [input.message_id, input.chat_id],
    );
    if (!msg.rows[0]) throw new AppError("message_not_found");
    if (msg.rows[0].deleted) throw new AppError("conflict", "The message was deleted");
    membersVersion = msg.rows[0].members_version;
    const removed = await client.query(
      "DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
      [input.message_id, userId, input.emoji],
    );
    reacted = removed.rowCount === 0;
    if (reacted) {
      const kinds = await client.query<{ known: boolean; kinds: number }>(
        `SELECT bool_or(emoji = $2) AS known, count(DISTINCT emoji)::int AS kinds
           FROM message_reactions WHERE message_id = $1`,
        [input.message_id, input.emoji],
      );
      if (!kinds.rows[0].known && kinds.rows[0].kinds >= REACTION_KINDS_MAX)
        throw new AppError("conflict", `A message takes at most ${REACTION_KINDS_MAX} different reactions`);
      await client.query("INSERT INTO message_reactions (message_id, user_id, emoji) VALUES ($1, $2, $3)", [
        input.message_id,
        userId,
        input.emoji,
      ]);
    }
    const now = await client.query<{ reactions: ReactionRow[] | null }>(
      `SELECT ${reactionsOf("m")} FROM messages m WHERE m.id = $1`,
      [input.message_id],
    );
    reactions = now.rows[0].reactions ?? [];
    await client.query("COMMIT");
    client.release();
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    // A connection that failed mid-transaction (a timeout) is not given back to the pool.
    client.release(!(err instanceof AppError));
    throw err;
  }
  const changed = { chat_id: input.chat_id, message_id: input.message_id, reactions };
  ctx.bus.toChat(input.chat_id, "message:reactions", changed, { membersVersion });
  return { ...changed, emoji: input.emoji, reacted };
}
