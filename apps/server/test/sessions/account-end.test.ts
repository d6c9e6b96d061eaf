/**
 * An account that ends, however it ends, is noticed on every node (issue 15, item 4): deleted through
 * the API, marked deleted by an operator in SQL (`UPDATE users SET deleted_at = now()`), or deleted
 * outright (`DELETE FROM users`, which takes the sessions with it). On three node processes the
 * user's tokens are refused over REST, and every socket of theirs drops on every node within
 * seconds: Socket.IO sockets (`session:expired`, then disconnected) and origin WebSockets (1008),
 * those opened with a token without `sid` (issued before sessions existed) too.
 */
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import { useCluster } from "../cluster/cluster-fixture.ts";
import { useOriginClients, type OriginClient } from "../origin-ws/origin-client.ts";
import { shortLivedToken } from "../security/support/tokens.ts";
import { createGroup, createUser, PASSWORD } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { endOf, login, type LoggedIn } from "./session-support.ts";

/** "Within seconds": twice the default re-read period of PostgreSQL, plus room for 2 busy cores. */
const WITHIN_MS = 2000;

describe("sessions: an account ended anyhow is noticed on every node", function () {
  this.timeout(30_000);
  const c = useCluster();
  const clients = useOriginClients();
  let sql: pg.Pool;
  before(() => {
    sql = new pg.Pool({ connectionString: c.databaseUrl, max: 2 });
  });
  after(() => sql.end());

  /** A user with sockets of a session and of a token without `sid`, on all three nodes. */
  async function scene() {
    const u = await login(c.urls[0], await createUser(c.urls[0], "Ending"));
    const chatId = await createGroup(c.urls[0], u, []);
    const legacy = shortLivedToken(u.id, 1800); // no `sid`
    const sockets = await Promise.all([
      ...c.urls.map((url) => c.devices.raw(url, u.token)),
      c.devices.raw(c.urls[2], legacy),
    ]);
    const ended = sockets.map(endOf);
    const origin = [
      await clients.open(c.urls[1], u, chatId),
      clients.create(c.urls[2], u.id, chatId, legacy),
    ];
    await origin[1].opened;
    for (const url of c.urls) await request(url).get("/api/v1/me").set(u.auth).expect(200);
    return { u, legacy, ended, origin };
  }

  async function expectGoneEverywhere(
    s: { u: LoggedIn; legacy: string; ended: ReturnType<typeof endOf>[]; origin: OriginClient[] },
    t0: number,
  ) {
    const gone = await Promise.race([
      Promise.all(s.ended),
      new Promise<null>((r) => setTimeout(() => r(null), WITHIN_MS)),
    ]);
    expect(gone, "every Socket.IO socket of the user dropped").to.not.equal(null);
    for (const g of gone!)
      expect(g).to.deep.equal({ told: "account deleted", reason: "io server disconnect" });
    for (const o of s.origin)
      expect(await o.closeCode(Math.max(0, WITHIN_MS - (Date.now() - t0)))).to.equal(1008);
    const took = Date.now() - t0;
    for (const url of c.urls) {
      for (const token of [s.u.token, s.legacy]) {
        const res = await request(url)
          .get("/api/v1/me")
          .set({ Authorization: `Bearer ${token}` });
        expect(res.status, url).to.equal(401);
      }
      // A socket cannot come back either.
      const again = await c.devices.raw(url, s.u.token).then(
        () => "connected",
        (err: Error) => err.message,
      );
      expect(again).to.not.equal("connected");
    }
    return took;
  }

  it("DELETE FROM users in SQL: tokens refused and every socket dropped on all three nodes within seconds", async () => {
    const s = await scene();
    const t0 = Date.now();
    await sql.query("DELETE FROM users WHERE id = $1", [s.u.id]);
    const took = await expectGoneEverywhere(s, t0);
    expect(took).to.be.below(WITHIN_MS);
  });

  it("UPDATE users SET deleted_at in SQL: the same, and the sessions are over (no refresh, no login, none listed)", async () => {
    const s = await scene();
    const t0 = Date.now();
    await sql.query("UPDATE users SET deleted_at = now() WHERE id = $1", [s.u.id]);
    await expectGoneEverywhere(s, t0);
    const refresh = await request(c.urls[1])
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: s.u.refreshToken });
    expect([refresh.status, refresh.body.error?.code]).to.deep.equal([401, "session_revoked"]);
    await request(c.urls[2])
      .post("/api/v1/token")
      .send({ username: s.u.email, password: PASSWORD })
      .expect(401);
    const { rows } = await sql.query(
      "SELECT revoke_reason FROM sessions WHERE user_id = $1 AND revoked_at IS NOT NULL",
      [s.u.id],
    );
    // Both of its sessions (createUser's login and ours) ended with the account.
    expect(rows.map((r) => r.revoke_reason)).to.deep.equal(["account_deleted", "account_deleted"]);
  });

  it("POST /me/delete on node 1: the sockets from a token without `sid` drop on every node too", async () => {
    const s = await scene();
    const t0 = Date.now();
    await request(c.urls[0])
      .post("/api/v1/me/delete")
      .set(s.u.auth)
      .send({ password: PASSWORD })
      .expect(200, {
        ended: 2,
      });
    await expectGoneEverywhere(s, t0);
  });
});
