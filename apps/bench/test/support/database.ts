/**
 * Where a bench test's runs keep their data: TEST_DATABASE_URL's (or DATABASE_URL's) server, else
 * an embedded PostgreSQL in a temp folder made before the suite and removed after it. Call inside
 * a `describe`; spread `database()` into the run's options.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export function benchDatabase(): () => { databaseUrl?: string; pgDataDir?: string } {
  const databaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  let pgDir: string | undefined;
  before(() => {
    if (databaseUrl) return;
    pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-bench-pg-"));
    fs.chmodSync(pgDir, 0o755); // the embedded server runs as the postgres user when we are root
  });
  after(() => {
    if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
  });
  return () => ({ databaseUrl, pgDataDir: pgDir && path.join(pgDir, "pg") });
}
