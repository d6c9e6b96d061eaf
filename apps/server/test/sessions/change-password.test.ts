/**
 * Changing the password (issue 15, item 4's server part): the current password is required, and
 * every other session of the user ends at once (this one stays).
 */
import { expect } from "chai";
import request from "supertest";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, PASSWORD } from "../support/users.ts";

describe("sessions: change password", function () {
  this.timeout(20_000);
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node?.close());

  it("needs the current password: a wrong one is 403 wrong_password and changes nothing", async () => {
    const u = await createUser(node.url, "Careful");
    const res = await request(node.url)
      .put("/api/v1/me/password")
      .set(u.auth)
      .send({ current_password: "not my password", new_password: "a new password" });
    expect([res.status, res.body.error.code]).to.deep.equal([403, "wrong_password"]);
    await request(node.url).post("/api/v1/token").send({ username: u.email, password: PASSWORD }).expect(200);
  });

  it("sets the new password and ends every other session; this one stays", async () => {
    const u = await createUser(node.url, "Changer");
    const other = (
      await request(node.url)
        .post("/api/v1/token")
        .send({ username: u.email, password: PASSWORD })
        .expect(200)
    ).body as { access_token: string; refresh_token: string };
    const res = await request(node.url)
      .put("/api/v1/me/password")
      .set(u.auth)
      .send({ current_password: PASSWORD, new_password: "a brand new password" })
      .expect(200);
    expect(res.body).to.deep.equal({ ended: 1 });
    await request(node.url).get("/api/v1/me").set(u.auth).expect(200);
    const stale = await request(node.url)
      .get("/api/v1/me")
      .set({ Authorization: `Bearer ${other.access_token}` });
    expect([stale.status, stale.body.error.code]).to.deep.equal([401, "session_revoked"]);
    await request(node.url)
      .post("/api/v1/auth/refresh")
      .send({ refresh_token: other.refresh_token })
      .expect(401);
    await request(node.url).post("/api/v1/token").send({ username: u.email, password: PASSWORD }).expect(401);
    await request(node.url)
      .post("/api/v1/token")
      .send({ username: u.email, password: "a brand new password" })
      .expect(200);
  });
});
