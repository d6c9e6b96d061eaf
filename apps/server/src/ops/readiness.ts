/**
 * What GET /readyz checks: a real round trip to PostgreSQL and to Redis, each bounded by
 * READYZ_TIMEOUT_MS. A connection's state alone said `redis: ok` while Redis was SIGSTOPped (the
 * socket stays open), and an unbounded `SELECT 1` hung the probe as long as PostgreSQL stalled.
 */
import type { RedisClient as Redis } from "../cluster/redis-client.ts";
import type { Database } from "../store/database.ts";
import type { ReadinessProbe } from "../http/routes/health-routes.ts";

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * `redis` is the data client (pinged); `subscriber` is the adapter's: while it reconnects and
 * resubscribes, broadcasts of other nodes do not reach this one, so Redis is not "ok" yet.
 */
export function readinessProbe(
  db: Database,
  redis: Redis | undefined,
  timeoutMs: number,
  subscriber?: Redis,
): ReadinessProbe {
  return {
    database: () =>
      within(db.pool.query("SELECT 1"), timeoutMs).then(
        () => "ok" as const,
        () => "down" as const,
      ),
    redis: async () => {
      if (!redis) return "disabled";
      if (redis.status !== "ready" || (subscriber && subscriber.status !== "ready")) return "down";
      return within(redis.ping(), timeoutMs).then(
        () => "ok" as const,
        () => "down" as const,
      );
    },
  };
}
