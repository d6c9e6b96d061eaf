import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import { MAX_ID } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { getChat, getMembers, sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";

describe("REST: chat members", () => {
  const node = useNode();
  let users: TestUser[];
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let other: TestUser;
  before(async () => {
    users = await Promise.all(
      ["Owner", "Admin", "Member", "Other", "U5", "U6", "U7"].map((n) => createUser(node.url, n)),
    );
    [owner, admin, member, other] = users;
  });

  const add = (who: TestUser, chatId: number, userId: number, role?: "admin" | "member") =>
    request(node.url)
      .post(`/api/v1/chats/${chatId}/members`)
      .set(who.auth)
      .send(role ? { user_id: userId, role } : { user_id: userId });
  const remove = (who: TestUser, chatId: number, userId: number) =>
    request(node.url).delete(`/api/v1/chats/${chatId}/members/${userId}`).set(who.auth);

  /** A group of owner, admin (role admin) and member. */
  async function team(): Promise<number> {
    const chatId = await createGroup(node.url, owner, [member]);
    expectOk("addMember", await add(owner, chatId, admin.id, "admin"));
    return chatId;
  }

  describe("GET /chats/{id}/members", () => {
    it("answers {chat_id, members: [{id, name, role, last_read_seq, joined_at}]} in joining order", async () => {
      const chatId = await team();
      const res = await request(node.url).get(`/api/v1/chats/${chatId}/members`).set(member.auth);
      const body = expectOk("listMembers", res);
      expect(body.chat_id).to.equal(chatId);
      expect(body.members.map((m) => [m.id, m.name, m.role])).to.deep.equal([
        [owner.id, "Owner", "owner"],
        [member.id, "Member", "member"],
        [admin.id, "Admin", "admin"],
      ]);
      for (const m of body.members) expect(Date.parse(m.joined_at)).to.be.closeTo(Date.now(), 60_000);
    });
  });

  describe("POST /chats/{id}/members", () => {
    it("the origin's ?user_id=N adds a member, with the origin's message", async () => {
      const chatId = await createGroup(node.url, owner, []);
      const res = await request(node.url)
        .post(`/api/v1/chats/${chatId}/members?user_id=${other.id}`)
        .set(owner.auth);
      const body = expectOk("addMember", res);
      expect(body).to.deep.equal({
        message: `User ${other.id} added to chat ${chatId}`,
        chat_id: chatId,
        user_id: other.id,
        role: "member",
      });
      expect((await getMembers(node.url, other, chatId)).map((m) => m.id)).to.have.members([
        owner.id,
        other.id,
      ]);
    });

    it("adding a member again answers 200 with their role unchanged", async () => {
      const chatId = await team();
      const body = expectOk("addMember", await add(owner, chatId, admin.id, "member"));
      expect(body).to.deep.include({
        role: "admin",
        message: `User ${admin.id} is already in chat ${chatId}`,
      });
      expect(await getMembers(node.url, owner, chatId)).to.have.length(3);
    });

    it("adding the same user twice at the same instant adds them once", async () => {
      const chatId = await createGroup(node.url, owner, []);
      const answers = await Promise.all([1, 2, 3].map(() => add(owner, chatId, other.id)));
      answers.forEach((r) => expectOk("addMember", r));
      expect(answers.filter((r) => /added/.test(r.body.message))).to.have.length(1);
      expect(await getMembers(node.url, owner, chatId)).to.have.length(2);
    });

    it("two peers added to a lone private chat at the same instant: one joins, the other is a 409", async () => {
      const chatId = expectOk(
        "createChat",
        await request(node.url).post("/api/v1/chats").set(owner.auth).send({ chat_type: "private" }),
      ).chat_id;
      const [a, b] = await Promise.all([add(owner, chatId, users[4].id), add(owner, chatId, users[5].id)]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
      expect(await getMembers(node.url, owner, chatId)).to.have.length(2);
    });

    it("owner and admin may add; an admin may not add an admin; a member may not add", async () => {
      const chatId = await team();
      expectOk("addMember", await add(admin, chatId, users[4].id));
      expectError(await add(admin, chatId, users[5].id, "admin"), 403, "forbidden");
      expectError(await add(member, chatId, users[5].id), 403, "forbidden");
      expectError(
        await request(node.url)
          .post(`/api/v1/chats/${chatId}/members?user_id=${users[5].id}`)
          .set(member.auth),
        403,
        "forbidden",
      );
      expect(expectOk("addMember", await add(owner, chatId, users[5].id, "admin")).role).to.equal("admin");
      expect((await getMembers(node.url, owner, chatId)).map((m) => m.role)).to.deep.equal([
        "owner",
        "member",
        "admin",
        "member",
        "admin",
      ]);
    });

    it("403 for a non-member, 404 for an unknown chat or user, 400 for bad input", async () => {
      const chatId = await team();
      expectError(await add(other, chatId, other.id), 403, "not_a_member");
      expectError(await add(owner, MAX_ID, other.id), 404, "chat_not_found");
      expectError(await add(owner, chatId, MAX_ID), 404, "user_not_found");
      expectInvalid(
        await request(node.url).post(`/api/v1/chats/${chatId}/members`).set(owner.auth),
        "user_id",
      );
      expectInvalid(await add(owner, chatId, String(other.id) as unknown as number), "user_id");
      expectInvalid(await add(owner, chatId, MAX_ID + 1), "user_id");
      expectInvalid(await add(owner, chatId, other.id, "owner" as "admin"), "role");
      expectInvalid(
        await request(node.url).post(`/api/v1/chats/${chatId}/members?user_id=x`).set(owner.auth),
        "user_id",
      );
      expectInvalid(
        await request(node.url)
          .post(`/api/v1/chats/${chatId}/members?user_id=${MAX_ID + 1}`)
          .set(owner.auth),
        "user_id",
      );
    });

    it("a new member starts read up to the chat's last message and sees it from then on", async () => {
      const chatId = await team();
      await sendText(node.url, member, chatId, "before you came");
      await sendText(node.url, member, chatId, "still before");
      expectOk("addMember", await add(owner, chatId, other.id));
      const chat = await getChat(node.url, other, chatId);
      expect(chat).to.deep.include({ last_seq: 2, last_read_seq: 2, unread_count: 0 });
      await sendText(node.url, member, chatId, "welcome");
      expect((await getChat(node.url, other, chatId)).unread_count).to.equal(1);
    });
  });

  describe("DELETE /chats/{id}/members/{user_id}", () => {
    it("the owner removes a member: {message, chat_id, user_id}; they lose access at once", async () => {
      const chatId = await team();
      const body = expectOk("removeMember", await remove(owner, chatId, member.id));
      expect(body).to.deep.equal({
        message: `User ${member.id} removed from chat ${chatId}`,
        chat_id: chatId,
        user_id: member.id,
      });
      expectError(
        await request(node.url).get(`/api/v1/chats/${chatId}`).set(member.auth),
        403,
        "not_a_member",
      );
      expectError(
        await request(node.url).post(`/api/v1/chats/${chatId}/messages`).set(member.auth).send({
          client_id: crypto.randomUUID(),
          text: "still here?",
        }),
        403,
        "not_a_member",
      );
      const mine = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(member.auth)).chats;
      expect(mine.map((c) => c.id)).not.to.include(chatId);
    });

    it("an admin removes a member, but not another admin nor the owner; a member removes nobody", async () => {
      const chatId = await team();
      expectOk("addMember", await add(owner, chatId, users[4].id, "admin"));
      expectOk("addMember", await add(owner, chatId, users[5].id));
      expectError(await remove(member, chatId, users[5].id), 403, "forbidden");
      expectError(await remove(member, chatId, owner.id), 403, "forbidden");
      expectError(await remove(admin, chatId, users[4].id), 403, "forbidden");
      expectError(await remove(admin, chatId, owner.id), 403, "forbidden");
      expectOk("removeMember", await remove(admin, chatId, users[5].id));
      expectOk("removeMember", await remove(owner, chatId, users[4].id)); // the owner removes an admin
      expect((await getMembers(node.url, owner, chatId)).map((m) => m.id)).to.deep.equal([
        owner.id,
        member.id,
        admin.id,
      ]);
    });

    it("anyone may leave", async () => {
      const chatId = await team();
      expectOk("removeMember", await remove(member, chatId, member.id));
      expectOk("removeMember", await remove(admin, chatId, admin.id));
      expect((await getMembers(node.url, owner, chatId)).map((m) => m.id)).to.deep.equal([owner.id]);
    });

    it("when the owner leaves, an admin becomes owner (before longer-standing members)", async () => {
      const chatId = await team();
      expectOk("removeMember", await remove(owner, chatId, owner.id));
      const chat = await getChat(node.url, admin, chatId);
      expect(chat).to.deep.include({ owner_id: admin.id, role: "owner" });
      // The new owner has the owner's rights.
      expectOk("addMember", await add(admin, chatId, other.id, "admin"));
    });

    it("without an admin, the longest-standing member becomes owner; the last one out leaves no owner", async () => {
      const chatId = await createGroup(node.url, owner, [member, other]);
      expectOk("removeMember", await remove(owner, chatId, owner.id));
      expect((await getChat(node.url, member, chatId)).owner_id).to.be.oneOf([member.id, other.id]);
      const heir = (await getChat(node.url, member, chatId)).owner_id!;
      const members = await getMembers(node.url, member, chatId);
      expect(members.find((m) => m.id === heir)!.role).to.equal("owner");
      expect(members.filter((m) => m.role === "owner")).to.have.length(1);
      const rest = members.map((m) => m.id).filter((id) => id !== heir);
      for (const id of [...rest, heir]) {
        const u = users.find((x) => x.id === id)!;
        expectOk("removeMember", await remove(u, chatId, id));
      }
      const { rows } = await node.db.pool.query("SELECT owner_id FROM chats WHERE id = $1", [chatId]);
      expect(rows[0].owner_id).to.equal(null);
    });

    it("403 for a non-member, 404 for an unknown chat or a user not in it, 400 for bad ids", async () => {
      const chatId = await team();
      expectError(await remove(other, chatId, member.id), 403, "not_a_member");
      expectError(await remove(other, chatId, other.id), 403, "not_a_member");
      expectError(await remove(owner, MAX_ID, member.id), 404, "chat_not_found");
      expectError(await remove(owner, chatId, other.id), 404, "user_not_found");
      expectError(await remove(owner, chatId, MAX_ID), 404, "user_not_found");
      expectInvalid(
        await request(node.url).delete(`/api/v1/chats/${chatId}/members/me`).set(owner.auth),
        "user_id",
      );
      expectInvalid(
        await request(node.url)
          .delete(`/api/v1/chats/${chatId}/members/${MAX_ID + 1}`)
          .set(owner.auth),
        "user_id",
      );
    });
  });
});
