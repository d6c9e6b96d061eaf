/**
 * Deleting my account (issue 15, item 4's server part): the password is required; every session
 * ends and every socket drops at once, on both nodes; messages stay, their sender shown as
 * "Deleted user"; the email is free for a new account.
 */
import { expect } from "chai";
import request from "supertest";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser, PASSWORD } from "../support/users.ts";
import { connect } from "../security/support/sockets.ts";

describe("sessions: delete my account", function () {
  this.timeout(30_000);
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "delacct" });

  it("needs the password: a wrong one is 403 wrong_password and the account stays", async () => {
    const { a } = nodes;
    const u = await createUser(a.url, "Careful");
    const res = await request(a.url)
      .post("/api/v1/me/delete")
      .set(u.auth)
      .send({ password: "not my password" });
    expect([res.status, res.body.error.code]).to.deep.equal([403, "wrong_password"]);
    await request(a.url).get("/api/v1/me").set(u.auth).expect(200);
  });

  it("ends every session, drops sockets on both nodes within a second; messages stay; the email is free", async () => {
    const { a, b } = nodes;
    const u = await createUser(a.url, "Leaving");
    const friend = await createUser(a.url, "Friend");
    const chatId = await createGroup(a.url, friend, [u]);
    await request(a.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(u.auth)
      .send({ client_id: crypto.randomUUID(), text: "goodbye" })
      .expect(201);
    const second = (
      await request(b.url).post("/api/v1/token").send({ username: u.email, password: PASSWORD }).expect(200)
    ).body.access_token as string;
    const sockets = [await connect(a.url, u.token), await connect(b.url, second)];
    const dropped = sockets.map((s) => new Promise<void>((r) => s.socket.once("disconnect", () => r())));

    const t0 = Date.now();
    const res = await request(a.url)
      .post("/api/v1/me/delete")
      .set(u.auth)
      .send({ password: PASSWORD })
      .expect(200);
    expect(res.body.ended).to.equal(2);
    await Promise.all(dropped);
    expect(Date.now() - t0).to.be.below(1000);
    for (const [url, t] of [
      [a.url, u.token],
      [b.url, second],
    ]) {
      await request(url)
        .get("/api/v1/me")
        .set({ Authorization: `Bearer ${t}` })
        .expect(401);
    }
    // No login with the old credentials; the message is still there, from "Deleted user".
    await request(a.url).post("/api/v1/token").send({ username: u.email, password: PASSWORD }).expect(401);
    const page = await request(a.url).get(`/api/v1/chats/${chatId}/messages`).set(friend.auth).expect(200);
    expect(
      page.body.messages.map((m: { text: string; sender_id: number }) => [m.text, m.sender_id]),
    ).to.deep.equal([["goodbye", u.id]]);
    const members = await request(a.url).get(`/api/v1/chats/${chatId}/members`).set(friend.auth).expect(200);
    expect(JSON.stringify(members.body)).to.include("Deleted user").and.not.include(u.email);
    // Nobody finds it; the email registers anew.
    const found = await request(a.url)
      .get("/api/v1/users")
      .query({ query: u.email })
      .set(friend.auth)
      .expect(200);
    expect(found.body.users).to.deep.equal([]);
    await request(a.url)
      .post("/api/v1/register")
      .send({ name: "New", email: u.email, password: PASSWORD })
      .expect(201);
  });
});
