/**
 * The group-commit engine on a real PostgreSQL: jobs queued while a batch is written go together
 * into the next one; a job refuses alone only before it writes; a job that throws after writing
 * fails its whole batch (rolled back, reported as a bug), never commits half of itself.
 */
import { expect } from "chai";
import pg from "pg";
import { AppError } from "@chat/protocol";
import {
  advisoryLocks,
  GroupCommit,
  GroupCommitBugError,
  rowLocks,
  type Tx,
} from "../../src/store/group-commit.ts";
import { freshDatabase } from "../support/db.ts";

describe("store/group-commit.ts", () => {
  let pool: pg.Pool;
  before(async () => {
    pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 });
    await pool.query("CREATE TABLE probe (chat_id int NOT NULL, note text NOT NULL)");
  });
  after(() => pool.end());
  beforeEach(() => pool.query("TRUNCATE probe"));

  const notes = async () =>
    (await pool.query<{ note: string }>("SELECT note FROM probe ORDER BY note")).rows.map((r) => r.note);
  const insert = (note: string) => (tx: Tx) =>
    tx.write("INSERT INTO probe (chat_id, note) VALUES (1, $1)", [note]).then(() => note);

  /**
   * One engine with a single batch in flight: `blocker` holds the first batch open until released,
   * so every job queued meanwhile is written together in the second batch.
   */
  function heldEngine(bugs: GroupCommitBugError[] = []) {
    const engine = new GroupCommit(pool, {
      lock: advisoryLocks(99),
      maxInFlight: 1,
      onBug: (e) => bugs.push(e),
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const blocker = engine.runOne(1, () => held);
    return { engine, release, blocker };
  }

  it("writes the jobs queued during a batch together in the next one", async () => {
    const { engine, release, blocker } = heldEngine();
    const jobs = ["a", "b", "c"].map((n, i) => engine.runOne(i + 1, insert(n)));
    release();
    await blocker;
    expect(await Promise.all(jobs)).to.deep.equal(["a", "b", "c"]);
    expect(engine.stats).to.deep.equal({ batches: 2, jobs: 4 });
    expect(await notes()).to.deep.equal(["a", "b", "c"]);
  });

  it("a job that refuses before writing gets its error alone; the batch commits", async () => {
    const { engine, release, blocker } = heldEngine();
    const a = engine.runOne(1, insert("a"));
    const refused = engine.runOne(1, async (tx) => {
      await tx.query("SELECT 1");
      throw new AppError("forbidden");
    });
    const c = engine.runOne(2, insert("c"));
    release();
    await blocker;
    expect(await a).to.equal("a");
    expect(await c).to.equal("c");
    const err = await refused.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AppError).with.property("code", "forbidden");
    expect(await notes()).to.deep.equal(["a", "c"]);
  });

  it("a job that throws after writing fails the whole batch, rolled back and reported as a bug", async () => {
    const bugs: GroupCommitBugError[] = [];
    const { engine, release, blocker } = heldEngine(bugs);
    const a = engine.runOne(1, insert("a"));
    const broken = engine.runOne(1, async (tx) => {
      await insert("half")(tx);
      throw new AppError("forbidden", "refused too late");
    });
    const c = engine.runOne(2, insert("c"));
    release();
    await blocker;
    const settled = await Promise.allSettled([a, broken, c]);
    for (const s of settled) {
      expect(s.status).to.equal("rejected");
      expect((s as PromiseRejectedResult).reason).to.be.instanceOf(GroupCommitBugError);
    }
    expect(bugs).to.have.length(1);
    expect(bugs[0].message).to.match(/threw after writing/);
    expect(await notes()).to.deep.equal([]);
    // The engine goes on: the next batch commits.
    expect(await engine.runOne(1, insert("after"))).to.equal("after");
    expect(await notes()).to.deep.equal(["after"]);
  });

  it("Tx.query refuses a write, so a write cannot go unmarked", async () => {
    const engine = new GroupCommit(pool, { lock: advisoryLocks(99) });
    for (const sql of [
      "INSERT INTO probe VALUES (1, 'x')",
      "  update probe SET note = 'y'",
      "DELETE FROM probe",
      "WITH d AS (DELETE FROM probe RETURNING 1) SELECT * FROM d",
    ]) {
      const err = await engine
        .runOne(1, (tx) => tx.query(sql))
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(err?.message, sql).to.match(/Tx.query is for reads/);
    }
    expect(await notes()).to.deep.equal([]);
  });

  it("rowLocks answers each locked chat's last seq, members version and encryption; an id out of range is chat_not_found", async () => {
    const { rows } = await pool.query<{ id: number }>(
      "INSERT INTO chats (type, last_seq, encrypted) VALUES ('group', 7, true) RETURNING id",
    );
    const engine = new GroupCommit(pool, { lock: rowLocks });
    const seen = await engine.runOne(rows[0].id, async (_tx, locked) => locked.get(rows[0].id));
    expect(seen).to.deep.equal({ lastSeq: 7, membersVersion: 0, encrypted: true });
    for (const bad of [0, -1, 2 ** 31, 1.5]) {
      const err = await engine
        .runOne(bad, async () => 1)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err, String(bad)).to.be.instanceOf(AppError).with.property("code", "chat_not_found");
    }
  });
});
