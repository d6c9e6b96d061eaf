/**
 * One pg Pool per node, shared by Prisma (through @prisma/adapter-pg) and by the hot paths that
 * use SQL directly (message writes, read cursors).
 *
 * Timeouts (issue 12, item 3): a PostgreSQL that stalls (packets stop, the connection stays open)
 * must not hang requests. `connectTimeoutMs` bounds both a new connection and the wait for a free
 * one in the pool (pg-pool uses one setting for both); `queryTimeoutMs` is the client's own read
 * timeout (the only one that fires when no byte comes back); `statementTimeoutMs` lets the server
 * cancel a slow statement first, and an idle transaction whose client went silent releases its locks.
 * A timed-out query destroys its connection (pool.query and the adapter release it with the error),
 * so a stalled socket never goes back into the pool. Unset: no timeouts (migrations, tools).
 */
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  max?: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export function openDatabase(url: string, opts: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 20,
    idleTimeoutMillis: 30_000,
    ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
    ...(opts.statementTimeoutMs
      ? {
          statement_timeout: opts.statementTimeoutMs,
          idle_in_transaction_session_timeout:
            Math.max(opts.statementTimeoutMs, opts.queryTimeoutMs ?? 0) * 2,
        }
      : {}),
  });
  // A client's error (server restarted, network cut) must not crash the process: the pool reports
  // idle clients' errors here, and a checked-out client between two queries (e.g. inside a
  // transaction) emits its own "error" event, which would be unhandled without a listener. The
  // failure still reaches the caller through its next query, and the broken client leaves the pool.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
