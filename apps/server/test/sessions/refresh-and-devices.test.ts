/**
 * Sessions on one node (issue 15): login makes a session with a rotating refresh token; a reused
 * refresh token ends the session (theft detection); an idle session is over; logout, the device
 * list, ending one session and signing out the others; a token from before sessions existed.
 */
import { expect } from "chai";
import jwt from "jsonwebtoken";
import pg from "pg";
import request from "supertest";
import { startTestNode, TEST_SECRET, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { connect } from "../security/support/sockets.ts";

const login = async (url: string, u: TestUser, device?: string) =>
  (
    await request(url)
      .post("/api/v1/token")
      .set(device ? { "X-Device-Name": device } : {})
      .send({ username: u.email, password: u.password })
      .expect(200)
  ).body as { access_token: string; refresh_token: string; session_id: string; expires_in: number };
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

describe("sessions: refresh rotation, idle expiry, logout and devices", function () {
  this.timeout(30_000);
  let node: TestNode;
  let idleNode: TestNode;
  let db: pg.Pool;
  let user: TestUser;

  before(async () => {
    node = await startTestNode();
    // Idle bound of 2 s (SESSION_IDLE_DAYS is a decimal), on the same database.
    idleNode = await startTestNode({ DATABASE_URL: node.databaseUrl, SESSION_IDLE_DAYS: String(2 / 86_400) });
    db = new pg.Pool({ connectionString: node.databaseUrl, max: 1 });
    user = await createUser(node.url, "Sessioned");
  });
  after(async () => {
    await db?.end();
    await idleNode?.close();
    await node?.close();
  });

  it("login answers a refresh token and a session id; the access token carries the session", async () => {
    const s = await login(node.url, user);
    expect(s.refresh_token).to.match(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect(s.session_id).to.match(/^[0-9a-f-]{36}$/);
    expect((jwt.decode(s.access_token) as { sid: string }).sid).to.equal(s.session_id);
    // Only a hash of the refresh token is stored.
    const { rows } = await db.query("SELECT refresh_hash FROM sessions WHERE id = $1", [s.session_id]);
    expect(rows[0].refresh_hash).to.have.length(64).and.not.equal(s.refresh_token);
    const all = await db.query("SELECT * FROM sessions WHERE id = $1", [s.session_id]);
    expect(JSON.stringify(all.rows)).not.to.include(s.refresh_token);
  });

  it("refresh rotates: a new pair, same session; the old refresh token is spent", async () => {
    const s = await login(node.url, user);
    const r1 = await request(node.url).post("/api/v1/auth/refresh").send({ refresh_token: s.refresh_token });
    expect(r1.status, r1.text).to.equal(200);
    expect(r1.body.session_id).to.equal(s.session_id);
    expect(r1.body.refresh_token).not.to.equal(s.refresh_token);
    await request(node.url).get("/api/v1/me").set(bearer(r1.body.access_token)).expect(200);
    const r2 = await request(node.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: r1.body.refresh_token });
    expect(r2.status).to.equal(200);
  });

  it("a reused refresh token ends the whole session: both pairs are refused from then on", async () => {
    const s = await login(node.url, user);
    const thief = await request(node.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: s.refresh_token });
    expect(thief.status).to.equal(200);
    // The legitimate client presents the token the thief already used.
    const reuse = await request(node.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: s.refresh_token });
    expect(reuse.status).to.equal(401);
    expect(reuse.body.error.code).to.equal("session_revoked");
    // The thief's fresh pair is dead too: refresh and access token.
    const again = await request(node.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: thief.body.refresh_token });
    expect(again.status).to.equal(401);
    const me = await request(node.url).get("/api/v1/me").set(bearer(thief.body.access_token));
    expect([me.status, me.body.error?.code]).to.deep.equal([401, "session_revoked"]);
    const { rows } = await db.query("SELECT revoke_reason FROM sessions WHERE id = $1", [s.session_id]);
    expect(rows[0].revoke_reason).to.equal("refresh_reuse");
  });

  it("an unknown refresh token is 401 session_revoked, never a 500", async () => {
    const res = await request(node.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: "x".repeat(43) });
    expect([res.status, res.body.error.code]).to.deep.equal([401, "session_revoked"]);
  });

  it("a session idle past SESSION_IDLE_DAYS is over: its refresh token is refused", async () => {
    const s = await login(idleNode.url, user);
    // Used within the bound: fine, and it counts as use.
    const fresh = await request(idleNode.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: s.refresh_token });
    expect(fresh.status).to.equal(200);
    await db.query("UPDATE sessions SET last_used_at = now() - interval '3 seconds' WHERE id = $1", [
      s.session_id,
    ]);
    const late = await request(idleNode.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: fresh.body.refresh_token });
    expect([late.status, late.body.error.code]).to.deep.equal([401, "session_revoked"]);
    const { rows } = await db.query("SELECT revoke_reason FROM sessions WHERE id = $1", [s.session_id]);
    expect(rows[0].revoke_reason).to.equal("idle");
  });

  it("end to end at the default 30 days: a session last used 31 days ago is refused, its tokens and socket too, and listed no more", async () => {
    const s = await login(node.url, user);
    const other = await login(node.url, user);
    const socket = await connect(node.url, s.access_token);
    const dropped = new Promise<string>((r) => socket.socket.once("disconnect", (reason) => r(reason)));
    await request(node.url).get("/api/v1/me").set(bearer(s.access_token)).expect(200);
    await db.query("UPDATE sessions SET last_used_at = now() - interval '31 days' WHERE id = $1", [
      s.session_id,
    ]);
    const late = await request(node.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: s.refresh_token });
    expect([late.status, late.body.error.code]).to.deep.equal([401, "session_revoked"]);
    // Found idle, the session is ended like any other: its access token and socket go with it.
    const me = await request(node.url).get("/api/v1/me").set(bearer(s.access_token));
    expect([me.status, me.body.error.code]).to.deep.equal([401, "session_revoked"]);
    expect(await dropped).to.equal("io server disconnect");
    const list = await request(node.url).get("/api/v1/sessions").set(bearer(other.access_token)).expect(200);
    expect(list.body.sessions.map((x: { id: string }) => x.id)).to.not.include(s.session_id);
    const { rows } = await db.query("SELECT revoke_reason FROM sessions WHERE id = $1", [s.session_id]);
    expect(rows[0].revoke_reason).to.equal("idle");
  });

  it("logout ends this session: its access and refresh tokens are refused at once", async () => {
    const s = await login(node.url, user);
    const out = await request(node.url).post("/api/v1/auth/logout").set(bearer(s.access_token));
    expect([out.status, out.body]).to.deep.equal([200, { ended: 1 }]);
    const me = await request(node.url).get("/api/v1/me").set(bearer(s.access_token));
    expect([me.status, me.body.error.code]).to.deep.equal([401, "session_revoked"]);
    const r = await request(node.url).post("/api/v1/auth/refresh").send({ refresh_token: s.refresh_token });
    expect(r.status).to.equal(401);
    // The user's other sessions live on.
    await request(node.url).get("/api/v1/me").set(user.auth).expect(200);
  });

  it("lists my sessions with device, times and address, this one marked current", async () => {
    const u = await createUser(node.url, "Devices");
    const phone = await login(node.url, u, "Phone");
    const laptop = await login(node.url, u, "Laptop");
    const res = await request(node.url).get("/api/v1/sessions").set(bearer(laptop.access_token)).expect(200);
    const byId = new Map(res.body.sessions.map((s: { id: string }) => [s.id, s]));
    expect(byId.get(laptop.session_id)).to.include({ device: "Laptop", current: true });
    expect(byId.get(phone.session_id)).to.include({ device: "Phone", current: false });
    const one = byId.get(phone.session_id) as { created_at: string; last_used_at: string; last_ip: string };
    expect(Date.parse(one.created_at)).to.be.a("number").and.not.NaN;
    expect(Date.parse(one.last_used_at)).to.not.be.NaN;
    expect(one.last_ip).to.match(/127\.0\.0\.1/);
    // createUser's own login, with supertest's User-Agent (or none): three in all.
    expect(res.body.sessions).to.have.length(3);
  });

  it("DELETE /sessions/{id} ends one of mine; someone else's is 404 and stays alive", async () => {
    const u = await createUser(node.url, "Owner");
    const other = await createUser(node.url, "Other");
    const phone = await login(node.url, u, "Phone");
    const stranger = await login(node.url, other);
    const foreign = await request(node.url).delete(`/api/v1/sessions/${stranger.session_id}`).set(u.auth);
    expect([foreign.status, foreign.body.error.code]).to.deep.equal([404, "not_found"]);
    await request(node.url).get("/api/v1/me").set(bearer(stranger.access_token)).expect(200);

    await request(node.url)
      .delete(`/api/v1/sessions/${phone.session_id}`)
      .set(u.auth)
      .expect(200, { ended: 1 });
    await request(node.url).get("/api/v1/me").set(bearer(phone.access_token)).expect(401);
    // Ended already: 404 now.
    await request(node.url).delete(`/api/v1/sessions/${phone.session_id}`).set(u.auth).expect(404);
  });

  it("DELETE /sessions signs out every other session and keeps this one", async () => {
    const u = await createUser(node.url, "Many");
    const a = await login(node.url, u, "A");
    const b = await login(node.url, u, "B");
    const res = await request(node.url).delete("/api/v1/sessions").set(bearer(a.access_token)).expect(200);
    expect(res.body.ended).to.equal(2); // b and createUser's login
    await request(node.url).get("/api/v1/me").set(bearer(a.access_token)).expect(200);
    await request(node.url).get("/api/v1/me").set(bearer(b.access_token)).expect(401);
    await request(node.url).get("/api/v1/me").set(u.auth).expect(401);
    const list = await request(node.url).get("/api/v1/sessions").set(bearer(a.access_token)).expect(200);
    expect(list.body.sessions.map((s: { id: string }) => s.id)).to.deep.equal([a.session_id]);
  });

  it("the origin's POST /token keeps its answer shape, but its token is a session that can be signed out", async () => {
    const res = await request(node.url)
      .post("/token")
      .type("form")
      .send({ username: user.email, password: user.password })
      .expect(200);
    expect(Object.keys(res.body).sort()).to.deep.equal(["access_token", "expires_in", "token_type"]);
    const sid = (jwt.decode(res.body.access_token) as { sid: string }).sid;
    await request(node.url).delete(`/api/v1/sessions/${sid}`).set(user.auth).expect(200);
    await request(node.url).get("/api/v1/me").set(bearer(res.body.access_token)).expect(401);
  });

  it("a token without `sid` (issued before sessions) is accepted until it expires; logout ends nothing", async () => {
    const legacy = jwt.sign({}, TEST_SECRET, {
      algorithm: "HS256",
      subject: String(user.id),
      expiresIn: 60,
      jwtid: crypto.randomUUID(),
    });
    await request(node.url).get("/api/v1/me").set(bearer(legacy)).expect(200);
    await request(node.url).post("/api/v1/auth/logout").set(bearer(legacy)).expect(200, { ended: 0 });
    // A malformed sid is not "no sid": refused.
    const bad = jwt.sign({ sid: "not-a-uuid" }, TEST_SECRET, {
      algorithm: "HS256",
      subject: String(user.id),
      expiresIn: 60,
    });
    await request(node.url).get("/api/v1/me").set(bearer(bad)).expect(401);
  });

  it("a session ended on another node is refused here within the re-read period", async () => {
    const s = await login(node.url, user);
    await request(idleNode.url).get("/api/v1/me").set(bearer(s.access_token)).expect(200);
    await request(node.url).post("/api/v1/auth/logout").set(bearer(s.access_token)).expect(200);
    await eventually(
      () => request(idleNode.url).get("/api/v1/me").set(bearer(s.access_token)).expect(401),
      1000,
    );
  });
});
