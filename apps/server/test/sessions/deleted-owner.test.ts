/**
 * A deleted owner's groups keep a manager (issue 15): ownership passes to the longest-standing
 * admin, else the longest-standing member, whether the account was deleted through the API or in
 * SQL; members are told with `chat:updated {change: "role_changed"}` once (one node hands it over,
 * the others find it done); a group with nobody left stays as it is. Three node processes.
 */
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import type { ServerEventPayload } from "@chat/protocol";
import { useCluster } from "../cluster/cluster-fixture.ts";
import type { RawSocket } from "../cluster/devices.ts";
import { startTestNode } from "../support/node.ts";
import { createGroup, createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { eventually, sleep } from "../support/wait.ts";

type Updated = ServerEventPayload<"chat:updated">;

describe("sessions: a deleted owner's groups keep a manager", function () {
  this.timeout(30_000);
  const c = useCluster();
  let sql: pg.Pool;
  before(() => {
    sql = new pg.Pool({ connectionString: c.databaseUrl, max: 2 });
  });
  after(() => sql.end());

  const updates = (s: RawSocket) => {
    const got: Updated[] = [];
    s.on("chat:updated", (p) => got.push(p));
    return got;
  };
  const members = async (url: string, chatId: number, as: TestUser) =>
    (await request(url).get(`/api/v1/chats/${chatId}/members`).set(as.auth).expect(200)).body.members.map(
      (m: { id: number; role: string }) => [m.id, m.role],
    );
  const addAdmin = (chatId: number, owner: TestUser, u: TestUser) =>
    request(c.urls[0])
      .post(`/api/v1/chats/${chatId}/members`)
      .set(owner.auth)
      .send({ user_id: u.id, role: "admin" })
      .expect((r) => expect(r.status).to.be.oneOf([200, 201]));

  it("deleted through the API: the longest-standing admin becomes owner, and every member is told once", async () => {
    const [owner, member, admin1, admin2] = await Promise.all(
      ["Owner", "Member", "Admin1", "Admin2"].map((n) => createUser(c.urls[0], n)),
    );
    const chatId = await createGroup(c.urls[0], owner, [member]);
    await addAdmin(chatId, owner, admin1);
    await addAdmin(chatId, owner, admin2);
    const onNode3 = updates(await c.devices.raw(c.urls[2], member.token));

    await request(c.urls[1])
      .post("/api/v1/me/delete")
      .set(owner.auth)
      .send({ password: PASSWORD })
      .expect(200);
    await eventually(
      () => expect(onNode3.filter((u) => u.change === "role_changed")).to.have.length(1),
      3000,
    );
    const told = onNode3.find((u) => u.change === "role_changed")!;
    expect([told.user_id, told.role, told.chat.owner_id]).to.deep.equal([admin1.id, "owner", admin1.id]);
    expect(await members(c.urls[2], chatId, member)).to.have.deep.members([
      [owner.id, "member"],
      [member.id, "member"],
      [admin1.id, "owner"],
      [admin2.id, "admin"],
    ]);
    // Every node has had time to notice (two re-read periods): still told once.
    await sleep(1200);
    expect(onNode3.filter((u) => u.change === "role_changed")).to.have.length(1);
    // The new owner manages the group.
    const newcomer = await createUser(c.urls[0], "Newcomer");
    await addAdmin(chatId, admin1, newcomer);
  });

  it("DELETE FROM users in SQL: with no admin, the longest-standing member becomes owner", async () => {
    const owner = await createUser(c.urls[0], "Owner");
    const first = await createUser(c.urls[0], "First");
    const chatId = await createGroup(c.urls[0], owner, [first]);
    const later = await createUser(c.urls[0], "Later");
    await request(c.urls[0])
      .post(`/api/v1/chats/${chatId}/members`)
      .set(owner.auth)
      .send({ user_id: later.id })
      .expect((r) => expect(r.status).to.be.oneOf([200, 201]));
    const onNode2 = updates(await c.devices.raw(c.urls[1], later.token));

    await sql.query("DELETE FROM users WHERE id = $1", [owner.id]);
    await eventually(
      () => expect(onNode2.map((u) => [u.change, u.user_id])).to.deep.include(["role_changed", first.id]),
      3000,
    );
    expect(await members(c.urls[0], chatId, later)).to.have.deep.members([
      [first.id, "owner"],
      [later.id, "member"],
    ]);
    const chat = await request(c.urls[2]).get(`/api/v1/chats/${chatId}`).set(first.auth).expect(200);
    expect([chat.body.owner_id, chat.body.role]).to.deep.equal([first.id, "owner"]);
  });

  it("a group with nobody left stays as it is", async () => {
    const owner = await createUser(c.urls[0], "Alone");
    const chatId = await createGroup(c.urls[0], owner, []);
    await sql.query("UPDATE users SET deleted_at = now() WHERE id = $1", [owner.id]);
    await sleep(1200); // two re-read periods: every node has seen the account end
    const { rows } = await sql.query(
      `SELECT c.owner_id, m.user_id, m.role FROM chats c JOIN chat_members m ON m.chat_id = c.id WHERE c.id = $1`,
      [chatId],
    );
    expect(rows).to.deep.equal([{ owner_id: owner.id, user_id: owner.id, role: "owner" }]);
  });
});

describe("sessions: an owner deleted in SQL while no node ran", function () {
  this.timeout(30_000);

  it("the next node to start hands the groups over", async () => {
    const first = await startTestNode();
    let owner: TestUser, member: TestUser, chatId: number;
    try {
      owner = await createUser(first.url, "Owner");
      member = await createUser(first.url, "Member");
      chatId = await createGroup(first.url, owner, [member]);
    } finally {
      await first.close();
    }
    const sql = new pg.Pool({ connectionString: first.databaseUrl, max: 1 });
    try {
      await sql.query("UPDATE users SET deleted_at = now() WHERE id = $1", [owner.id]);
      const next = await startTestNode({ DATABASE_URL: first.databaseUrl });
      try {
        await eventually(async () => {
          const chat = await request(next.url).get(`/api/v1/chats/${chatId}`).set(member.auth).expect(200);
          expect([chat.body.owner_id, chat.body.role]).to.deep.equal([member.id, "owner"]);
        }, 3000);
      } finally {
        await next.close();
      }
    } finally {
      await sql.end();
    }
  });
});
