import { expect } from "chai";
import request from "supertest";
import { MAX_ID } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { getChat, getMembers, readUpTo, sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";

describe("REST: chats", () => {
  const node = useNode();
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let dan: TestUser;
  before(async () => {
    [ann, bob, cat, dan] = await Promise.all(
      ["Ann", "Bob", "Cat", "Dan"].map((n) => createUser(node.url, n)),
    );
  });

  const create = (who: TestUser, body: object) =>
    request(node.url).post("/api/v1/chats").set(who.auth).send(body);

  describe("POST /chats", () => {
    it("creates a group: 201 {message, chat_id, chat} with me as owner and the given members", async () => {
      const res = await create(ann, {
        name: "  Team  ",
        chat_type: "group",
        member_ids: [bob.id, cat.id, ann.id],
      });
      const body = expectOk("createChat", res);
      expect(body.message).to.equal("Chat created");
      expect(body.chat_id).to.equal(body.chat.id);
      expect(body.chat).to.deep.include({
        type: "group",
        name: "Team",
        owner_id: ann.id,
        last_seq: 0,
        role: "owner",
        last_read_seq: 0,
        unread_count: 0,
        members_count: 3,
        peer: null,
        last_message: null,
      });
      const members = await getMembers(node.url, bob, body.chat_id);
      expect(members.map((m) => [m.id, m.role])).to.have.deep.members([
        [ann.id, "owner"],
        [bob.id, "member"],
        [cat.id, "member"],
      ]);
    });

    it("answers 404 user_not_found naming unknown member ids, and creates nothing", async () => {
      const before = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(ann.auth)).chats
        .length;
      const err = expectError(
        await create(ann, { name: "x", chat_type: "group", member_ids: [bob.id, MAX_ID] }),
        404,
        "user_not_found",
      );
      expect(err.details).to.deep.equal({ user_ids: [MAX_ID] });
      const after = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(ann.auth)).chats
        .length;
      expect(after).to.equal(before);
    });

    const invalid: Array<[string, object, string]> = [
      ["no chat_type", { name: "x" }, "chat_type"],
      ["an unknown chat_type", { name: "x", chat_type: "channel" }, "chat_type"],
      ["a group without a name", { chat_type: "group" }, "name"],
      ["a blank name", { name: "  ", chat_type: "group" }, "name"],
      ["a name over 100 characters", { name: "n".repeat(101), chat_type: "group" }, "name"],
      ["member_ids that are not a list", { name: "x", chat_type: "group", member_ids: 5 }, "member_ids"],
      ["a member id that is a string", { name: "x", chat_type: "group", member_ids: ["5"] }, "member_ids.0"],
      [
        "a member id past 2^31-1",
        { name: "x", chat_type: "group", member_ids: [MAX_ID + 1] },
        "member_ids.0",
      ],
      ["a member id of 0", { name: "x", chat_type: "group", member_ids: [0] }, "member_ids.0"],
      ["a private chat with two others", { chat_type: "private", member_ids: [2, 3] }, "member_ids"],
    ];
    for (const [what, body, field] of invalid) {
      it(`answers 400 for ${what}`, async () => {
        expectInvalid(await create(ann, body), field);
      });
    }

    it("answers 400 for a private chat with myself as the other member", async () => {
      expectInvalid(await create(ann, { chat_type: "private", member_ids: [ann.id] }), "member_ids");
    });
  });

  describe("the private-chat pair rule", () => {
    it("one private chat per pair: asking again, from either side, answers the existing one with 200", async () => {
      const first = expectOk("createChat", await create(ann, { chat_type: "private", member_ids: [bob.id] }));
      expect(first.chat).to.deep.include({
        type: "private",
        members_count: 2,
        peer: { id: bob.id, name: "Bob" },
      });
      const again = expectOk(
        "createChat",
        await create(ann, { chat_type: "private", member_ids: [bob.id] }),
        200,
      );
      const reverse = expectOk(
        "createChat",
        await create(bob, { chat_type: "private", member_ids: [ann.id] }),
        200,
      );
      expect(again.chat_id).to.equal(first.chat_id);
      expect(reverse.chat_id).to.equal(first.chat_id);
      expect(reverse.chat.peer).to.deep.equal({ id: ann.id, name: "Ann" });
      expect(again.message).to.equal("Chat exists");
    });

    it("creating the same pair from both sides at the same instant makes one chat", async () => {
      const [x, y] = await Promise.all([
        create(cat, { chat_type: "private", member_ids: [dan.id] }),
        create(dan, { chat_type: "private", member_ids: [cat.id] }),
      ]);
      expect([x.status, y.status].sort()).to.deep.equal([200, 201]);
      expect(x.body.chat_id).to.equal(y.body.chat_id);
      const { rows } = await node.db.pool.query(
        "SELECT count(*)::int AS n FROM chats WHERE private_pair = $1",
        [`${Math.min(cat.id, dan.id)}:${Math.max(cat.id, dan.id)}`],
      );
      expect(rows[0].n).to.equal(1);
    });

    it("a third member of a private chat is a 409; its members cannot be removed or leave", async () => {
      const chatId = expectOk(
        "createChat",
        await create(ann, { chat_type: "private", member_ids: [bob.id] }),
        200,
      ).chat_id;
      expectError(
        await request(node.url).post(`/api/v1/chats/${chatId}/members?user_id=${cat.id}`).set(ann.auth),
        409,
        "conflict",
      );
      expectError(
        await request(node.url).delete(`/api/v1/chats/${chatId}/members/${bob.id}`).set(ann.auth),
        409,
        "conflict",
      );
      expectError(
        await request(node.url).delete(`/api/v1/chats/${chatId}/members/${bob.id}`).set(bob.auth),
        409,
        "conflict",
      );
      expect(await getMembers(node.url, ann, chatId)).to.have.length(2);
    });

    it("the origin's way works: create a private chat alone, then add the one peer", async () => {
      const made = expectOk("createChat", await create(ann, { chat_type: "private", name: "ann & cat" }));
      expect(made.chat).to.deep.include({ type: "private", members_count: 1, peer: null });
      const add = await request(node.url)
        .post(`/api/v1/chats/${made.chat_id}/members?user_id=${cat.id}`)
        .set(ann.auth);
      expect(expectOk("addMember", add)).to.deep.include({
        chat_id: made.chat_id,
        user_id: cat.id,
        role: "member",
      });
      const chat = await getChat(node.url, cat, made.chat_id);
      expect(chat).to.deep.include({ members_count: 2, peer: { id: ann.id, name: "Ann" } });
      // The pair is now taken: asking for an ann–cat private chat answers this one.
      const again = expectOk(
        "createChat",
        await create(cat, { chat_type: "private", member_ids: [ann.id] }),
        200,
      );
      expect(again.chat_id).to.equal(made.chat_id);
    });

    it("a second private chat for an existing pair through add is a 409 naming the existing chat", async () => {
      const existing = expectOk(
        "createChat",
        await create(ann, { chat_type: "private", member_ids: [bob.id] }),
        200,
      );
      const alone = expectOk("createChat", await create(ann, { chat_type: "private" }));
      const err = expectError(
        await request(node.url)
          .post(`/api/v1/chats/${alone.chat_id}/members`)
          .set(ann.auth)
          .send({ user_id: bob.id }),
        409,
        "conflict",
      );
      expect(err.details).to.deep.equal({ chat_id: existing.chat_id });
      expect(await getMembers(node.url, ann, alone.chat_id)).to.have.length(1);
    });

    it("adding the same peer to two lone private chats at the same instant: one 200, one 409", async () => {
      const [x, y] = await Promise.all([
        create(dan, { chat_type: "private" }).then((r) => expectOk("createChat", r).chat_id),
        create(dan, { chat_type: "private" }).then((r) => expectOk("createChat", r).chat_id),
      ]);
      const answers = await Promise.all(
        [x, y].map((id) =>
          request(node.url).post(`/api/v1/chats/${id}/members`).set(dan.auth).send({ user_id: ann.id }),
        ),
      );
      expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 409]);
      expectError(
        answers.find((r) => r.status === 409)!,
        409,
        "conflict",
      );
    });
  });

  describe("GET /chats and GET /chats/{id}", () => {
    let eve: TestUser;
    let fay: TestUser;
    let g1: number;
    let g2: number;
    let g3: number;
    before(async () => {
      [eve, fay] = await Promise.all(["Eve", "Fay"].map((n) => createUser(node.url, n)));
      g1 = await createGroup(node.url, eve, [fay], "first");
      g2 = await createGroup(node.url, eve, [fay], "second");
      g3 = await createGroup(node.url, fay, [eve], "third");
    });

    it("lists my chats, newest activity first, with last message and unread count", async () => {
      let list = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(eve.auth)).chats;
      expect(list.map((c) => c.id)).to.deep.equal([g3, g2, g1]); // by creation when nothing was said
      await sendText(node.url, fay, g1, "one");
      const last = await sendText(node.url, fay, g1, "two");
      await sendText(node.url, eve, g2, "mine");
      list = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(eve.auth)).chats;
      expect(list.map((c) => c.id)).to.deep.equal([g2, g1, g3]);
      const c1 = list.find((c) => c.id === g1)!;
      expect(c1).to.deep.include({
        unread_count: 2,
        last_seq: 2,
        last_read_seq: 0,
        role: "owner",
        members_count: 2,
      });
      expect(c1.last_message).to.deep.include({ id: last.id, text: "two", sender_id: fay.id, seq: 2 });
      // My own messages are never unread to me.
      expect(list.find((c) => c.id === g2)!.unread_count).to.equal(0);
      expect(list.find((c) => c.id === g2)!.last_message?.text).to.equal("mine");
    });

    it("counts unread from my read cursor, and not deleted messages", async () => {
      const m1 = await sendText(node.url, fay, g3, "a");
      const m2 = await sendText(node.url, fay, g3, "b");
      const m3 = await sendText(node.url, fay, g3, "c");
      expect((await getChat(node.url, eve, g3)).unread_count).to.equal(3);
      await readUpTo(node.url, eve, m1);
      expect((await getChat(node.url, eve, g3)).unread_count).to.equal(2);
      await request(node.url).delete(`/api/v1/chats/${g3}/messages/${m3.id}`).set(fay.auth).expect(200);
      expect((await getChat(node.url, eve, g3)).unread_count).to.equal(1);
      await readUpTo(node.url, eve, m2);
      const chat = await getChat(node.url, eve, g3);
      expect(chat).to.deep.include({ unread_count: 0, last_read_seq: 2 });
    });

    it("does not list chats I am not in", async () => {
      const mine = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(dan.auth)).chats;
      expect(mine.map((c) => c.id)).not.to.include.members([g1, g2, g3]);
    });

    it("GET /chats/{id} answers the same summary as the list", async () => {
      const list = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(eve.auth)).chats;
      const one = await getChat(node.url, eve, g1);
      expect(one).to.deep.equal(list.find((c) => c.id === g1));
    });

    it("GET /chats/{id}: 403 for a non-member, 404 for an unknown chat, 400 for a bad id", async () => {
      expectError(await request(node.url).get(`/api/v1/chats/${g1}`).set(dan.auth), 403, "not_a_member");
      expectError(
        await request(node.url).get(`/api/v1/chats/${MAX_ID}`).set(dan.auth),
        404,
        "chat_not_found",
      );
      expectInvalid(
        await request(node.url)
          .get(`/api/v1/chats/${MAX_ID + 1}`)
          .set(dan.auth),
        "chat_id",
      );
      expectInvalid(await request(node.url).get("/api/v1/chats/first").set(dan.auth), "chat_id");
    });
  });
});
