/**
 * Migrations run at node start under an advisory lock: nodes starting together on one empty
 * database all come up, and each migration is applied (and recorded) once.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import { ensureDatabase } from "../../src/store/embedded-postgres.ts";
import { listMigrations, migrate } from "../../src/store/migrate.ts";
import { MIGRATIONS_DIR } from "../../src/node.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";
import { memoryLogger } from "./helpers/logs.ts";

let n = 0;
/** An empty database (no template) on the run's server; the global teardown drops it by its prefix. */
async function emptyDatabase(): Promise<string> {
  return ensureDatabase(
    process.env.TEST_PG_SERVER!,
    `chat_${process.env.TEST_RUN_ID}_mig${process.pid}_${++n}`,
  );
}

describe("REST: migrations at start", () => {
  const nodes: TestNode[] = [];
  const pools: pg.Pool[] = [];
  const tmpDirs: string[] = [];
  after(async () => {
    await Promise.all(nodes.map((x) => x.close()));
    await Promise.all(pools.map((p) => p.end()));
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("three nodes starting at once on one empty database all come up; each migration is applied once", async () => {
    const url = await emptyDatabase();
    const logs = [memoryLogger("info"), memoryLogger("info"), memoryLogger("info")];
    const started = await Promise.all(logs.map((l) => startTestNode({ DATABASE_URL: url }, l.logger)));
    nodes.push(...started);

    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(pool);
    const { rows } = await pool.query<{ migration_name: string; finished_at: Date | null; checksum: string }>(
      'SELECT migration_name, finished_at, checksum FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const expected = listMigrations(MIGRATIONS_DIR);
    expect(expected.length).to.be.greaterThan(0);
    expect(rows.map((r) => r.migration_name)).to.deep.equal(expected.map((m) => m.name));
    expect(rows.map((r) => r.checksum)).to.deep.equal(expected.map((m) => m.checksum));
    for (const r of rows) expect(r.finished_at).to.be.an.instanceOf(Date);

    // Exactly one node did the work; the others found nothing left to do.
    const appliers = logs.filter((l) => l.lines.some((x) => x.msg === "migrations applied"));
    expect(appliers).to.have.length(1);

    // All of them serve the same data.
    const user = await createUser(started[0].url, "Migrated");
    for (const node of started) {
      const me = await request(node.url).get("/api/v1/me").set(user.auth);
      expect(me.status).to.equal(200);
      expect((await request(node.url).get("/readyz")).status).to.equal(200);
    }
  });

  it("a later start applies nothing; a migration changed after it was applied stops the start", async () => {
    const url = await emptyDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pools.push(pool);
    const first = await migrate(pool, MIGRATIONS_DIR);
    expect(first.applied).to.deep.equal(listMigrations(MIGRATIONS_DIR).map((m) => m.name));
    const again = await migrate(pool, MIGRATIONS_DIR);
    expect(again.applied).to.deep.equal([]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-migrations-"));
    tmpDirs.push(dir);
    fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const name = listMigrations(dir)[0].name;
    fs.appendFileSync(path.join(dir, name, "migration.sql"), "\n-- edited afterwards\n");
    let error: unknown;
    await migrate(pool, dir).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(new RegExp(`${name} was changed`));
  });
});
