import { expect } from "chai";
import request from "supertest";
import { MAX_ID } from "@chat/protocol";
import { startTestNode, useNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";

describe("REST: me, people search, presence", () => {
  const node = useNode();
  let me: TestUser;
  let olga: TestUser;
  let oleg: TestUser;
  let zed: TestUser;
  before(async () => {
    me = await createUser(node.url, "Searcher");
    olga = await createUser(node.url, "Olga");
    oleg = await createUser(node.url, "Oleg");
    zed = await createUser(node.url, "Zed");
  });

  const search = (q: Record<string, string>, who = me) =>
    request(node.url).get("/api/v1/users").query(q).set(who.auth);

  it("GET /me answers the token's user: {id, name, email} and nothing else", async () => {
    const body = expectOk("me", await request(node.url).get("/api/v1/me").set(olga.auth));
    expect(body).to.deep.equal({ id: olga.id, name: "Olga", email: olga.email });
    const raw = (await request(node.url).get("/api/v1/me").set(olga.auth)).body;
    expect(Object.keys(raw)).to.have.members(["id", "name", "email"]);
  });

  it("PATCH /me changes my name (trimmed, as at registration); others find me by it; bad names are 400", async () => {
    const u = await createUser(node.url, "Before");
    const patch = (body: object) => request(node.url).patch("/api/v1/me").set(u.auth).send(body);
    const body = expectOk("updateMe", await patch({ name: "  After Rename  " }));
    expect(body).to.deep.equal({ id: u.id, name: "After Rename", email: u.email });
    expect((await request(node.url).get("/api/v1/me").set(u.auth)).body.name).to.equal("After Rename");
    expect((await search({ query: "after rename" })).body.users).to.deep.equal([
      { id: u.id, name: "After Rename" },
    ]);
    expectInvalid(await patch({ name: "   " }), "name");
    expectInvalid(await patch({ name: "x".repeat(101) }), "name");
    expectInvalid(await patch({ name: "ok", email: "other@example.test" }), "");
  });

  it("GET /users?query= finds people by name, case-insensitively, as {id, name}", async () => {
    const body = expectOk("searchUsers", await search({ query: "OL" }));
    expect(body.users.map((u) => u.id)).to.deep.equal([olga.id, oleg.id]);
    expect(body.users[0]).to.deep.equal({ id: olga.id, name: "Olga" }); // no email of others
  });

  it("finds people by email, and never answers the caller", async () => {
    const byEmail = expectOk("searchUsers", await search({ query: zed.email.toUpperCase() }));
    expect(byEmail.users).to.deep.equal([{ id: zed.id, name: "Zed" }]);
    const self = expectOk("searchUsers", await search({ query: "Searcher" }));
    expect(self.users).to.deep.equal([]);
    const nobody = expectOk("searchUsers", await search({ query: "no such person" }));
    expect(nobody.users).to.deep.equal([]);
  });

  it("matches an email only whole: a prefix, substring or suffix of one finds nobody (issue 12, item 7)", async () => {
    const email = zed.email; // zed-1a2b3c4d@example.test
    const at = email.indexOf("@");
    for (const part of [
      email.slice(0, 5),
      email.slice(0, at),
      email.slice(0, -1),
      email.slice(1),
      email.slice(at),
      email.slice(4, at + 3),
    ]) {
      const body = expectOk("searchUsers", await search({ query: part }));
      expect(body.users, part).to.deep.equal([]);
    }
    const whole = expectOk("searchUsers", await search({ query: ` ${email.toUpperCase()} ` }));
    expect(whole.users).to.deep.equal([{ id: zed.id, name: "Zed" }]);
  });

  it("limits searches per user: 429 past RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE, others unaffected", async () => {
    const limited = await startTestNode({ RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE: "5" });
    try {
      const [x, y] = [await createUser(limited.url, "X"), await createUser(limited.url, "Y")];
      const q = (who: TestUser) =>
        request(limited.url).get("/api/v1/users").query({ query: "a" }).set(who.auth);
      for (let i = 0; i < 5; i++) expectOk("searchUsers", await q(x));
      const res = expectError(await q(x), 429, "rate_limited");
      expect(res.details).to.have.property("retry_after");
      expectOk("searchUsers", await q(y));
    } finally {
      await limited.close();
    }
  });

  it("treats %, _ and \\ in the query as plain characters", async () => {
    expect(expectOk("searchUsers", await search({ query: "%" })).users).to.deep.equal([]);
    expect(expectOk("searchUsers", await search({ query: "\\" })).users).to.deep.equal([]);
    const under = await createUser(node.url, "Under_Score");
    expect(expectOk("searchUsers", await search({ query: "_" })).users).to.deep.equal([
      { id: under.id, name: "Under_Score" },
    ]);
  });

  it("honours limit (1..50)", async () => {
    const one = expectOk("searchUsers", await search({ query: "ol", limit: "1" }));
    expect(one.users).to.have.length(1);
    for (const limit of ["0", "51", "abc", "-1", "1.5"])
      expectInvalid(await search({ query: "ol", limit }), "limit");
  });

  it("answers 400 for a missing, empty or over-long query, or an unknown parameter", async () => {
    expectInvalid(await request(node.url).get("/api/v1/users").set(me.auth), "query");
    expectInvalid(await search({ query: "   " }), "query");
    expectInvalid(await search({ query: "x".repeat(101) }), "query");
    expectError(await search({ query: "ol", page: "2" }), 400, "validation_failed");
  });

  it("GET /users/{id}/presence answers {user_id, online, last_seen}; 404 for an unknown user", async () => {
    const body = expectOk(
      "presence",
      await request(node.url).get(`/api/v1/users/${olga.id}/presence`).set(me.auth),
    );
    expect(body).to.include({ user_id: olga.id, online: false });
    expectError(
      await request(node.url).get(`/api/v1/users/${MAX_ID}/presence`).set(me.auth),
      404,
      "user_not_found",
    );
    expectInvalid(
      await request(node.url)
        .get(`/api/v1/users/${MAX_ID + 1}/presence`)
        .set(me.auth),
      "user_id",
    );
    expectInvalid(await request(node.url).get("/api/v1/users/olga/presence").set(me.auth), "user_id");
  });
});
