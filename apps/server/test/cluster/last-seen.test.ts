/** "Last seen" (issue 18): for contacts only; kept in PostgreSQL too, the answer when Redis lost it. */
import { expect } from "chai";
import request from "supertest";
import { useCluster } from "./cluster-fixture.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

describe("cluster: last seen", () => {
  const c = useCluster();

  it("contacts see last_seen after the last device leaves; strangers see only online; PostgreSQL answers when Redis lost it", async () => {
    const [n1, n2, n3] = c.urls;
    const u = await createUser(n1, "U");
    const w = await createUser(n2, "W");
    const stranger = await createUser(n3, "Stranger");
    await createGroup(n2, w, [u]);
    const presenceOf = async (url: string, viewer: TestUser) =>
      (await request(url).get(`/api/v1/users/${u.id}/presence`).set(viewer.auth).expect(200)).body as {
        online: boolean;
        last_seen: string | null;
      };

    const before = Date.now();
    const a = await c.devices.connect(n1, u);
    a.close();
    let seen = "";
    await eventually(async () => {
      const p = await presenceOf(n3, w);
      expect(p.online).to.equal(false);
      expect(p.last_seen).to.be.a("string");
      seen = p.last_seen!;
    });
    expect(Date.parse(seen)).to.be.within(before - 1000, Date.now() + 1000);
    expect(await presenceOf(n2, u)).to.include({ online: false, last_seen: seen }); // myself
    expect(await presenceOf(n1, stranger)).to.deep.equal({ user_id: u.id, online: false, last_seen: null });

    // The PostgreSQL copy (written with the disconnect) answers when Redis has none.
    await eventually(async () => {
      const { rows } = await dbQuery("SELECT last_seen_at FROM users WHERE id = $1", [u.id]);
      expect(rows[0].last_seen_at).to.not.equal(null);
    });
    const redis = await c.redis.client();
    try {
      expect(await redis.del(`${c.env.REDIS_KEY_PREFIX}:last-seen:${u.id}`)).to.equal(1);
    } finally {
      redis.disconnect();
    }
    const fallback = await presenceOf(n2, w);
    expect(fallback.online).to.equal(false);
    expect(Math.abs(Date.parse(fallback.last_seen!) - Date.parse(seen))).to.be.below(1000);
    expect((await presenceOf(n2, stranger)).last_seen).to.equal(null);
  });

  async function dbQuery(sql: string, params: unknown[]) {
    const pg = await import("pg");
    const pool = new pg.default.Pool({ connectionString: c.databaseUrl, max: 1 });
    try {
      return await pool.query(sql, params);
    } finally {
      await pool.end();
    }
  }
});
