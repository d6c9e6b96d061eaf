/**
 * A group whose owner's account ended keeps a manager (issue 15): ownership passes to the
 * longest-standing admin, else the longest-standing member, as when an owner leaves
 * (chats.ts removeMember). An account can end through the API or in SQL (deleted_at set, or the row
 * deleted: then the membership is gone and chats.owner_id is NULL), so the rule is stated on the
 * data, not on the deletion: a group none of whose live members is the owner gets one. A group
 * with no live member left stays as it is.
 *
 * Every node learns of an ended account (auth/revocations.ts) and calls this; each chat is changed
 * under its row lock after checking again, so exactly one node hands it over and tells its members.
 */
import type { DomainContext } from "./context.ts";
import { toChat, type ChatRow } from "./serialize.ts";

/** Groups without a live owner, of which `userId` was the owner (or whose owner row is gone). */
const ORPHANED = `
  SELECT c.id FROM chats c
  WHERE c.type = 'group' AND (c.owner_id = $1 OR c.owner_id IS NULL)
    AND NOT EXISTS (SELECT 1 FROM chat_members m JOIN users u ON u.id = m.user_id
                    WHERE m.chat_id = c.id AND m.role = 'owner' AND u.deleted_at IS NULL)
    AND EXISTS (SELECT 1 FROM chat_members m JOIN users u ON u.id = m.user_id
                WHERE m.chat_id = c.id AND u.deleted_at IS NULL)`;

/** Hands over every group the ended account `userId` owned; answers the chats changed. */
export async function handOverGroups(ctx: DomainContext, userId: number): Promise<number[]> {
  const { rows } = await ctx.db.pool.query<{ id: number }>(`${ORPHANED} ORDER BY c.id LIMIT 1000`, [userId]);
  const changed: number[] = [];
  for (const { id } of rows) {
    const heir = await handOver(ctx, id, userId);
    if (heir === undefined) continue;
    changed.push(id);
    ctx.bus.toChat(id, "chat:updated", {
      chat: heir.chat,
      change: "role_changed",
      user_id: heir.userId,
      role: "owner",
    });
  }
  return changed;
}

async function handOver(ctx: DomainContext, chatId: number, userId: number) {
  const client = await ctx.db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT 1 FROM chats WHERE id = $1 FOR UPDATE", [chatId]);
    // Another node may have handed it over while this one waited for the lock.
    const still = await client.query(`${ORPHANED} AND c.id = $2`, [userId, chatId]);
    if (still.rowCount === 0) {
      await client.query("ROLLBACK");
      return undefined;
    }
    const heir = await client.query<{ user_id: number }>(
      `SELECT m.user_id FROM chat_members m JOIN users u ON u.id = m.user_id
       WHERE m.chat_id = $1 AND u.deleted_at IS NULL
       ORDER BY (m.role = 'admin') DESC, m.joined_at, m.user_id LIMIT 1`,
      [chatId],
    );
    const heirId = heir.rows[0].user_id;
    // The ended account's row (kept when only marked deleted) stops being the owner.
    await client.query(`UPDATE chat_members SET role = 'member' WHERE chat_id = $1 AND role = 'owner'`, [
      chatId,
    ]);
    await client.query(`UPDATE chat_members SET role = 'owner' WHERE chat_id = $1 AND user_id = $2`, [
      chatId,
      heirId,
    ]);
    const chat = await client.query<ChatRow>(
      `UPDATE chats SET owner_id = $2 WHERE id = $1
       RETURNING id, type, name, owner_id, last_seq, created_at, activity_at`,
      [chatId, heirId],
    );
    await client.query("COMMIT");
    return { userId: heirId, chat: toChat(chat.rows[0]) };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
