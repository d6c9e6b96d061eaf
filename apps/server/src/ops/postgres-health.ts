/**
 * PostgreSQL as the answering node sees it: `select 1` through its pool (the wait for a free
 * connection included, which is what a saturated pool costs), the database's size, and the pool's
 * counts. Bounded by the timeout: a stalled database is reported down, never waited on.
 */
import type pg from "pg";
import type { z } from "zod";
import type { PostgresHealthSchema } from "@chat/protocol";
import { probe } from "./probe.ts";

export type PostgresHealth = z.output<typeof PostgresHealthSchema>;

export async function postgresHealth(pool: pg.Pool, timeoutMs: number): Promise<PostgresHealth> {
  const counts = {
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: (pool.options as { max?: number }).max ?? 10,
  };
  const ping = await probe(() => pool.query("select 1"), timeoutMs);
  if (!ping.ok) return { up: false, error: ping.error, latency_ms: null, database_bytes: null, pool: counts };
  const size = await probe(
    () => pool.query<{ bytes: string }>("select pg_database_size(current_database())::text as bytes"),
    timeoutMs,
  );
  return {
    up: true,
    error: null,
    latency_ms: ping.ms,
    database_bytes: size.ok ? Number(size.value.rows[0]?.bytes ?? 0) : null,
    pool: counts,
  };
}
