/**
 * Ended sessions and accounts pushed between nodes (issue 15): the node that ends one tells the
 * others through the adapter (`serverSideEmit`, one publish on the cluster's Redis), and each adds
 * it to its revocation view at once, so tokens and sockets are refused everywhere in milliseconds
 * instead of at the next re-read of PostgreSQL.
 *
 * The push only speeds things up; PostgreSQL stays the truth. The view keeps re-reading it every
 * SESSION_REVOCATION_POLL_MS, and re-reads it whole as soon as Redis is back after an outage, so an
 * end published while Redis was away is found at once rather than a period later. A push can only
 * add to the view, never take out of it: nothing received from Redis can revive a session.
 */
import type { RedisClient } from "../cluster/redis-client.ts";
import type { Logger } from "pino";
import { MAX_ID } from "@chat/protocol";
import { whenRedisBack } from "../cluster/redis-back.ts";
import type { ChatServer } from "../realtime/socket-broadcast.ts";
import type { Revoked, RevocationView } from "./revocations.ts";

const EVENT = "auth:revoked";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** More ids than one push ever carries (a user's sessions) is not ours: ignored. */
const MAX_IDS = 10_000;

/** What came off Redis, if it is the shape we publish. */
function parse(raw: unknown): Revoked | undefined {
  const r = raw as Partial<Revoked> | null;
  if (!r || !Array.isArray(r.sids) || !Array.isArray(r.users)) return undefined;
  if (r.sids.length + r.users.length > MAX_IDS) return undefined;
  if (!r.sids.every((s) => typeof s === "string" && UUID.test(s))) return undefined;
  if (!r.users.every((u) => Number.isInteger(u) && u > 0 && u <= MAX_ID)) return undefined;
  return { sids: r.sids, users: r.users };
}

export interface RevocationPush {
  /** Tells the other nodes (this node's own view is updated by the caller). */
  publish(ends: Revoked): void;
  stop(): void;
}

export function pushRevocations(
  io: ChatServer,
  view: RevocationView,
  /** The adapter's Redis clients: when one is back after an outage, the view is re-read. */
  redis: RedisClient[],
  log: Logger,
): RevocationPush {
  const onPush = (raw: unknown) => {
    const ends = parse(raw);
    if (ends) view.add(ends);
    else log.warn("revocation push: ignored a message of an unknown shape");
  };
  io.on(EVENT, onPush);
  const stopListening = whenRedisBack(redis, () => {
    log.info("redis back: re-reading ended sessions from the database");
    view.refresh().catch((err) => log.warn({ err }, "revocation view: re-read after Redis reconnect failed"));
  });
  return {
    publish(ends) {
      if (ends.sids.length + ends.users.length === 0) return;
      try {
        io.serverSideEmit(EVENT, ends);
      } catch (err) {
        // The poll of PostgreSQL still carries it to the other nodes.
        log.warn({ err }, "revocation push failed");
      }
    },
    stop() {
      io.off(EVENT, onPush);
      stopListening();
    },
  };
}
