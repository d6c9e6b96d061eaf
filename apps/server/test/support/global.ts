/**
 * Mocha global fixtures: one PostgreSQL server for the whole run (TEST_DATABASE_URL's or
 * DATABASE_URL's server, else an embedded one in a temp folder), and a migrated template database
 * that each test file clones in milliseconds. Everything is dropped at the end.
 *
 * With TEST_STORAGE=s3 the whole run stores attachments in S3: one `s3rver` for the run, whose
 * settings every test node gets unless the test chooses its storage itself (support/node.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import {
  dropDatabase,
  ensureDatabase,
  startEmbeddedPostgres,
  withDatabase,
} from "../../src/store/embedded-postgres.ts";
import { migrate } from "../../src/store/migrate.ts";
import { MIGRATIONS_DIR } from "../../src/node.ts";
import { startS3rver } from "./s3rver.ts";

let stopEmbedded: (() => Promise<void>) | undefined;
let stopS3: (() => Promise<void>) | undefined;
let tmpDir: string | undefined;
const RUN = `t${process.pid}_${Date.now().toString(36)}`;
export const TEMPLATE_DB = `chat_${RUN}_tmpl`;

export async function mochaGlobalSetup() {
  let server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!server) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-test-pg-"));
    fs.chmodSync(tmpDir, 0o755); // the embedded server runs as the postgres user when we are root
    const emb = await startEmbeddedPostgres(path.join(tmpDir, "pg"), { persistent: false });
    stopEmbedded = emb.stop;
    server = emb.url;
  }
  if (process.env.TEST_STORAGE === "s3") {
    const s3 = await startS3rver();
    stopS3 = s3.close;
    process.env.TEST_STORAGE_ENV = JSON.stringify(s3.env(await s3.freshBucket()));
  } else if (process.env.TEST_STORAGE && process.env.TEST_STORAGE !== "filesystem") {
    throw new Error(`TEST_STORAGE=${process.env.TEST_STORAGE}: filesystem or s3`);
  }
  process.env.TEST_PG_SERVER = server;
  process.env.TEST_RUN_ID = RUN;
  const url = await ensureDatabase(server, TEMPLATE_DB);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await migrate(pool, MIGRATIONS_DIR);
  await pool.end();
}

export async function mochaGlobalTeardown() {
  const server = process.env.TEST_PG_SERVER!;
  const admin = new pg.Client({ connectionString: withDatabase(server, "postgres") });
  await admin.connect();
  const dbs = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE $1",
    [`chat_${RUN}%`],
  );
  await admin.end();
  for (const d of dbs.rows) await dropDatabase(server, d.datname).catch(() => undefined);
  if (stopEmbedded) await stopEmbedded().catch(() => undefined);
  if (stopS3) await stopS3().catch(() => undefined);
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}
