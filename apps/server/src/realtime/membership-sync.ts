/**
 * Keeps this node's sockets in the rooms the database says, whatever Redis did with the
 * socketsJoin/socketsLeave publishes (fire-and-forget: a Redis blip loses them).
 *
 * - Every `pollMs` it reads the membership change log (membership_changes, written in the same
 *   transaction as each add/remove): the view (membership-view.ts) drops what is out of date, and the
 *   local sockets of each user named are reconciled with the database.
 * - When Redis comes back, every local socket is reconciled and the whole view reloads on demand.
 *
 * Reconciling a socket: a member not in the chat's room joins it and gets `chat:added` (with the
 * member's read cursor as last_seq, so the client syncs what it missed); a non-member in the room
 * leaves it and gets `chat:removed`; a notice the change's own broadcast already gave is not repeated
 * (membership-notices.ts). Both are idempotent: running them twice does nothing more.
 */
import type { RedisClient } from "../cluster/redis-client.ts";
import type { Logger } from "pino";
import type { Socket } from "socket.io";
import type pg from "pg";
import { toChat, type ChatRow } from "../domain/serialize.ts";
import { whenRedisBack } from "../cluster/redis-back.ts";
import type { MembershipView } from "./membership-view.ts";
import { isNewNotice } from "./membership-notices.ts";
import { chatRoom, userRoom, type ChatServer, type SocketData } from "./socket-broadcast.ts";

/** A change is read again for this long after the newest one seen: ids of concurrent transactions commit out of order. */
const LOOKBACK_MS = 5_000;

interface Change {
  id: string;
  chat_id: number;
  user_id: number;
  members_version: number;
  created_at: string;
}

export interface MembershipSyncOptions {
  pollMs: number;
  /** The adapter's clients: when one is ready again after an outage, everything is reconciled. */
  redis?: RedisClient[];
  log: Logger;
}

export function syncMembership(
  io: ChatServer,
  pool: pg.Pool,
  view: MembershipView,
  o: MembershipSyncOptions,
): () => void {
  let since: Date | undefined;
  /** Change ids already handled, with their time (forgotten once out of the lookback). */
  const seen = new Map<string, number>();
  let stopped = false;
  let polling = false;
  let busy: Promise<void> = Promise.resolve();

  const localSockets = (userId: number): Socket[] => {
    const ids = io.of("/").adapter.rooms.get(userRoom(userId));
    if (!ids) return [];
    return [...ids].flatMap((id) => io.of("/").sockets.get(id) ?? []);
  };

  /** Makes the local sockets of each (chat, user) pair match the database. */
  async function reconcile(pairs: Array<[number, number]>) {
    const local = pairs.filter(([, u]) => localSockets(u).length > 0);
    if (local.length === 0) return;
    const { rows } = await pool.query<ChatRow & { user_id: number; member_seq: number | null }>(
      `SELECT c.id, c.type, c.name, c.owner_id, c.last_seq, c.created_at, c.activity_at, c.encrypted,
              k.user_id, m.last_read_seq AS member_seq
         FROM unnest($1::int[], $2::int[]) AS k(chat_id, user_id)
         JOIN chats c ON c.id = k.chat_id
         LEFT JOIN chat_members m ON m.chat_id = k.chat_id AND m.user_id = k.user_id`,
      [local.map(([c]) => c), local.map(([, u]) => u)],
    );
    const truth = new Map(rows.map((r) => [`${r.id}:${r.user_id}`, r]));
    for (const [chatId, userId] of local) {
      const row = truth.get(`${chatId}:${userId}`);
      const member = row !== undefined && row.member_seq !== null;
      const room = chatRoom(chatId);
      for (const socket of localSockets(userId)) {
        if (member && !socket.rooms.has(room)) {
          socket.join(room);
          // From the member's read cursor: the client syncs the messages it missed meanwhile.
          if (isNewNotice(socket, chatId, "chat:added"))
            socket.emit("chat:added", { chat: { ...toChat(row), last_seq: row.member_seq! } });
        } else if (!member && socket.rooms.has(room)) {
          socket.leave(room);
          if (isNewNotice(socket, chatId, "chat:removed")) socket.emit("chat:removed", { chat_id: chatId });
        }
      }
    }
  }

  async function poll() {
    const { rows } = await pool.query<{ now: Date; changes: Change[] }>(
      `SELECT now() AS now,
              (SELECT COALESCE(json_agg(x ORDER BY x.id), '[]') FROM
                 (SELECT id::text AS id, chat_id, user_id, members_version, created_at
                    FROM membership_changes WHERE created_at > $1) x) AS changes`,
      [since ?? new Date(0)],
    );
    const first = since === undefined;
    since = new Date(rows[0].now.getTime() - LOOKBACK_MS);
    const fresh = rows[0].changes.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.set(r.id, Date.parse(r.created_at));
    for (const [id, at] of seen) if (at <= since.getTime()) seen.delete(id);
    // First poll: what happened before this node started is already in its sockets' rooms.
    if (first) return;
    for (const r of fresh) view.noteVersion(r.chat_id, r.members_version);
    await reconcile(fresh.map((r) => [r.chat_id, r.user_id]));
  }

  /** Redis is back: every socket's rooms from the database; the view reloads on demand. */
  async function reconcileAll() {
    view.clear();
    const sockets = [...io.of("/").sockets.values()];
    const users = [...new Set(sockets.map((s) => (s.data as SocketData).userId))];
    if (users.length === 0) return;
    const { rows } = await pool.query<{ chat_id: number; user_id: number }>(
      "SELECT chat_id, user_id FROM chat_members WHERE user_id = ANY($1::int[])",
      [users],
    );
    const pairs = new Set(rows.map((r) => `${r.chat_id}:${r.user_id}`));
    for (const s of sockets)
      for (const room of s.rooms)
        if (room.startsWith("chat:")) pairs.add(`${room.slice(5)}:${(s.data as SocketData).userId}`);
    await reconcile([...pairs].map((p) => p.split(":").map(Number) as [number, number]));
  }

  // One at a time: a slow database must not pile polls up.
  const step = (what: () => Promise<void>, label: string) =>
    (busy = busy.then(() => (stopped ? undefined : what().catch((err) => o.log.warn({ err }, label)))));
  const tick = () => {
    if (polling) return;
    polling = true;
    void step(poll, "membership poll failed").finally(() => (polling = false));
  };
  const timer = setInterval(tick, o.pollMs);
  timer.unref();
  tick();

  const stopListening = whenRedisBack(o.redis ?? [], () => {
    o.log.info("redis back: reconciling chat rooms from the database");
    void step(reconcileAll, "membership reconcile after Redis reconnect failed");
  });

  return () => {
    stopped = true;
    clearInterval(timer);
    stopListening();
  };
}
