/**
 * One pg Pool per node, shared by Prisma (through @prisma/adapter-pg) and by the hot paths that
 * use SQL directly (message writes, read cursors).
 */
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function openDatabase(url: string, opts: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 20, idleTimeoutMillis: 30_000 });
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
