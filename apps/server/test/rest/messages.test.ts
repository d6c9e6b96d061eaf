import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import { MAX_ID } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";

describe("REST: messages", () => {
  const node = useNode();
  let ann: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let chatId: number;
  before(async () => {
    [ann, bob, eve] = await Promise.all(["Ann", "Bob", "Eve"].map((n) => createUser(node.url, n)));
    chatId = await createGroup(node.url, ann, [bob]);
  });

  const post = (who: TestUser, chat: number, body: object) =>
    request(node.url).post(`/api/v1/chats/${chat}/messages`).set(who.auth).send(body);
  const rows = async (chat: number, clientId: string) =>
    (
      await node.db.pool.query<{ id: number; sender_id: number }>(
        "SELECT id, sender_id FROM messages WHERE chat_id = $1 AND client_id = $2 ORDER BY id",
        [chat, clientId],
      )
    ).rows;

  describe("POST /chats/{id}/messages", () => {
    it("answers 201 {message, duplicate: false} with the next seq, the text kept exactly", async () => {
      const chat = await createGroup(node.url, ann, [bob]);
      const clientId = crypto.randomUUID();
      const text = "Привет 👋 — «quotes» <b>not html</b>\n  second line  ";
      const body = expectOk("sendMessage", await post(ann, chat, { client_id: clientId, text }));
      expect(body.duplicate).to.equal(false);
      expect(body.message).to.deep.include({
        chat_id: chat,
        seq: 1,
        sender_id: ann.id,
        client_id: clientId,
        text,
        edited_at: null,
        deleted_at: null,
      });
      expect(Date.parse(body.message.created_at)).to.be.closeTo(Date.now(), 60_000);
      const next = await sendText(node.url, bob, chat, "and back");
      expect(next.seq).to.equal(2);
    });

    it("the same client_id from the same sender in the same chat: 200, duplicate, the same message, one row", async () => {
      const clientId = crypto.randomUUID();
      const first = expectOk("sendMessage", await post(ann, chatId, { client_id: clientId, text: "once" }));
      const again = expectOk(
        "sendMessage",
        await post(ann, chatId, { client_id: clientId, text: "once" }),
        200,
      );
      expect(again.duplicate).to.equal(true);
      expect(again.message).to.deep.equal(first.message);
      // A retry carries the same client_id; even with another text it is the first message.
      const changed = expectOk(
        "sendMessage",
        await post(ann, chatId, { client_id: clientId, text: "twice?" }),
        200,
      );
      expect(changed.message).to.deep.equal(first.message);
      // The same UUID in upper case is the same UUID.
      const upper = await post(ann, chatId, { client_id: clientId.toUpperCase(), text: "once" });
      expect(expectOk("sendMessage", upper, 200).message.id).to.equal(first.message.id);
      expect(await rows(chatId, clientId)).to.have.length(1);
    });

    it("the same client_id sent many times at the same instant stores one message", async () => {
      const clientId = crypto.randomUUID();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => post(bob, chatId, { client_id: clientId, text: "racing" })),
      );
      expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((r) => r.body.message.id)).size).to.equal(1);
      expect(answers.filter((r) => r.body.duplicate)).to.have.length(7);
      expect(await rows(chatId, clientId)).to.have.length(1);
    });

    it("the same text with different client_ids is two messages (a user may say 'ok' twice)", async () => {
      const a = await sendText(node.url, ann, chatId, "ok");
      const b = await sendText(node.url, ann, chatId, "ok");
      expect(b.id).not.to.equal(a.id);
      expect(b.seq).to.equal(a.seq + 1);
    });

    it("the same client_id from another sender, or in another chat, is a separate message", async () => {
      const clientId = crypto.randomUUID();
      const other = await createGroup(node.url, ann, [bob]);
      const a = expectOk("sendMessage", await post(ann, chatId, { client_id: clientId, text: "x" }));
      const b = expectOk("sendMessage", await post(bob, chatId, { client_id: clientId, text: "x" }));
      const c = expectOk("sendMessage", await post(ann, other, { client_id: clientId, text: "x" }));
      expect(new Set([a.message.id, b.message.id, c.message.id]).size).to.equal(3);
      expect([a.duplicate, b.duplicate, c.duplicate]).to.deep.equal([false, false, false]);
      expect((await rows(chatId, clientId)).map((r) => r.sender_id)).to.deep.equal([ann.id, bob.id]);
    });

    it("seqs stay gap-free under concurrent sends from several members", async () => {
      const chat = await createGroup(node.url, ann, [bob]);
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => sendText(node.url, i % 2 ? ann : bob, chat, `m${i}`)),
      );
      const { rows: seqs } = await node.db.pool.query<{ seq: number }>(
        "SELECT seq FROM messages WHERE chat_id = $1 ORDER BY seq",
        [chat],
      );
      expect(seqs.map((r) => r.seq)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
    });

    const bad: Array<[string, object, string]> = [
      ["a text over 4,000 characters", { text: "x".repeat(4001) }, "text"],
      ["a NUL byte in the text", { text: "a\u0000b" }, "text"],
      ["an empty text", { text: "" }, "text"],
      ["a blank text", { text: " \n\t " }, "text"],
      ["a text that is a number", { text: 42 }, "text"],
      ["a text that is an object", { text: { $gt: "" } }, "text"],
      ["a client_id that is not a UUID", { client_id: "abc" }, "client_id"],
      ["a client_id that is a number", { client_id: 1 }, "client_id"],
      ["no client_id", { client_id: undefined }, "client_id"],
      ["no text", { text: undefined }, "text"],
    ];
    for (const [what, change, field] of bad) {
      it(`answers 400 for ${what}, and stores nothing`, async () => {
        const before = (await node.db.pool.query("SELECT count(*)::int AS n FROM messages")).rows[0].n;
        const res = await post(ann, chatId, { client_id: crypto.randomUUID(), text: "fine", ...change });
        expectInvalid(res, field);
        const after = (await node.db.pool.query("SELECT count(*)::int AS n FROM messages")).rows[0].n;
        expect(after).to.equal(before);
      });
    }

    it("accepts exactly 4,000 characters", async () => {
      const text = "é".repeat(4000);
      expect((await sendText(node.url, ann, chatId, text)).text).to.equal(text);
    });

    it("answers 413 for a body over 64 KB and 400 for malformed JSON", async () => {
      const huge = await post(ann, chatId, { client_id: crypto.randomUUID(), text: "x".repeat(70_000) });
      expectError(huge, 413, "payload_too_large");
      const broken = await request(node.url)
        .post(`/api/v1/chats/${chatId}/messages`)
        .set(ann.auth)
        .set("content-type", "application/json")
        .send(`{"client_id": "${crypto.randomUUID()}", "text": "unterminated`);
      expectError(broken, 400, "invalid_json");
    });

    it("403 for a non-member, 404 for an unknown chat, 400 for a bad chat id", async () => {
      const body = { client_id: crypto.randomUUID(), text: "hi" };
      expectError(await post(eve, chatId, body), 403, "not_a_member");
      expectError(await post(eve, MAX_ID, body), 404, "chat_not_found");
      expectInvalid(await post(eve, MAX_ID + 1, body), "chat_id");
      expectInvalid(
        await request(node.url).post("/api/v1/chats/abc/messages").set(ann.auth).send(body),
        "chat_id",
      );
    });
  });

  describe("GET /chats/{id}/messages (cursor paging)", () => {
    let paged: number;
    before(async () => {
      paged = await createGroup(node.url, ann, [bob]);
      for (let i = 1; i <= 25; i++) await sendText(node.url, i % 3 ? ann : bob, paged, `n${i}`);
    });
    const page = async (query: Record<string, string>, who = bob) =>
      expectOk(
        "listMessages",
        await request(node.url).get(`/api/v1/chats/${paged}/messages`).query(query).set(who.auth),
      );
    const seqs = (p: { messages: { seq: number }[] }) => p.messages.map((m) => m.seq);
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

    /** The page `query` answers holds seqs from..to and says has_more as given. */
    const expectPage = async (query: Record<string, string>, from: number, to: number, hasMore: boolean) => {
      const p = await page(query);
      expect(seqs(p)).to.deep.equal(range(from, to));
      expect(p.has_more).to.equal(hasMore);
      return p;
    };
    const empty = { messages: [], has_more: false };

    it("without a cursor: the newest page, ascending by seq", async () => {
      const all = await expectPage({}, 1, 25, false);
      expect(all.messages[24]).to.deep.include({ text: "n25", chat_id: paged });
      await expectPage({ limit: "10" }, 16, 25, true);
    });

    it("before_seq pages back until has_more is false", async () => {
      await expectPage({ before_seq: "16", limit: "10" }, 6, 15, true);
      await expectPage({ before_seq: "6", limit: "10" }, 1, 5, false);
      expect(await page({ before_seq: "1" })).to.deep.equal(empty);
    });

    it("after_seq catches up, oldest first, until has_more is false", async () => {
      await expectPage({ after_seq: "0", limit: "10" }, 1, 10, true);
      await expectPage({ after_seq: "20", limit: "10" }, 21, 25, false);
      expect(await page({ after_seq: "25" })).to.deep.equal(empty);
      expect(await page({ after_seq: String(MAX_ID) })).to.deep.equal(empty);
      await expectPage({ after_seq: "15", limit: "10" }, 16, 25, false);
    });

    it("limit is 1..100", async () => {
      expect(seqs(await page({ limit: "1" }))).to.deep.equal([25]);
      expect(seqs(await page({ limit: "100" }))).to.have.length(25);
      const get = (q: Record<string, string>) =>
        request(node.url).get(`/api/v1/chats/${paged}/messages`).query(q).set(bob.auth);
      for (const limit of ["0", "101", "1000", "-1", "ten", "1.5", ""])
        expectInvalid(await get({ limit }), "limit");
      for (const before_seq of ["-1", "x", String(MAX_ID + 1)])
        expectInvalid(await get({ before_seq }), "before_seq");
      for (const after_seq of ["-1", "x", String(MAX_ID + 1)])
        expectInvalid(await get({ after_seq }), "after_seq");
      expectInvalid(await get({ before_seq: "10", after_seq: "5" }), "after_seq");
      expectError(await get({ cursor: "5" }), 400, "validation_failed");
    });

    it("403 for a non-member, 404 for an unknown chat", async () => {
      expectError(
        await request(node.url).get(`/api/v1/chats/${paged}/messages`).set(eve.auth),
        403,
        "not_a_member",
      );
      expectError(
        await request(node.url).get(`/api/v1/chats/${MAX_ID}/messages`).set(eve.auth),
        404,
        "chat_not_found",
      );
    });
  });

  describe("PATCH and DELETE /chats/{id}/messages/{message_id}", () => {
    const patch = (who: TestUser, chat: number, id: number, body: object) =>
      request(node.url).patch(`/api/v1/chats/${chat}/messages/${id}`).set(who.auth).send(body);
    const del = (who: TestUser, chat: number, id: number) =>
      request(node.url).delete(`/api/v1/chats/${chat}/messages/${id}`).set(who.auth);
    /** The one-message page at `seq` of the shared chat, as `who` lists it. */
    const listedAs = async (who: TestUser, seq: number) =>
      expectOk(
        "listMessages",
        await request(node.url)
          .get(`/api/v1/chats/${chatId}/messages`)
          .query({ after_seq: String(seq - 1), limit: "1" })
          .set(who.auth),
      );

    it("edits my own message: the text changes, edited_at is set, seq and client_id stay", async () => {
      const m = await sendText(node.url, ann, chatId, "typo");
      const edited = expectOk("editMessage", await patch(ann, chatId, m.id, { text: "fixed" }));
      expect(edited).to.deep.include({
        id: m.id,
        seq: m.seq,
        client_id: m.client_id,
        text: "fixed",
        deleted_at: null,
      });
      expect(edited.edited_at).to.be.a("string");
      const listed = await listedAs(bob, m.seq);
      expect(listed.messages[0]).to.deep.equal(edited);
    });

    it("deletes my own message: the row and its seq stay, the text goes; deleting again is harmless", async () => {
      const m = await sendText(node.url, ann, chatId, "secret");
      const gone = expectOk("deleteMessage", await del(ann, chatId, m.id));
      expect(gone).to.deep.include({ id: m.id, seq: m.seq, text: "" });
      expect(gone.deleted_at).to.be.a("string");
      expect(expectOk("deleteMessage", await del(ann, chatId, m.id))).to.deep.equal(gone);
      const listed = await listedAs(bob, m.seq);
      expect(listed.messages[0]).to.deep.include({ seq: m.seq, text: "" });
      const { rows: stored } = await node.db.pool.query("SELECT text FROM messages WHERE id = $1", [m.id]);
      expect(stored[0].text).to.equal(""); // gone from the database too, not only hidden
      expectError(await patch(ann, chatId, m.id, { text: "back" }), 409, "conflict");
    });

    it("403 forbidden for someone else's message, even the chat owner's attempt on a member's", async () => {
      const m = await sendText(node.url, bob, chatId, "bob's");
      expectError(await patch(ann, chatId, m.id, { text: "ann was here" }), 403, "forbidden");
      expectError(await del(ann, chatId, m.id), 403, "forbidden");
      expectError(await patch(eve, chatId, m.id, { text: "x" }), 403, "not_a_member");
      expectError(await del(eve, chatId, m.id), 403, "not_a_member");
      const { rows: stored } = await node.db.pool.query(
        "SELECT text, deleted_at FROM messages WHERE id = $1",
        [m.id],
      );
      expect(stored[0]).to.deep.equal({ text: "bob's", deleted_at: null });
    });

    it("404 for an unknown message, or a message of another chat", async () => {
      const other = await createGroup(node.url, ann, [bob]);
      const m = await sendText(node.url, ann, other, "elsewhere");
      expectError(await patch(ann, chatId, m.id, { text: "x" }), 404, "message_not_found");
      expectError(await del(ann, chatId, m.id), 404, "message_not_found");
      expectError(await patch(ann, chatId, MAX_ID, { text: "x" }), 404, "message_not_found");
      expectError(await del(ann, MAX_ID, m.id), 404, "chat_not_found");
    });

    it("400 for a bad edit: too long, NUL, blank, wrong type, unknown field", async () => {
      const m = await sendText(node.url, ann, chatId, "original");
      for (const text of ["x".repeat(4001), "a\u0000", " ", 5])
        expectInvalid(await patch(ann, chatId, m.id, { text }), "text");
      expectError(await patch(ann, chatId, m.id, { text: "ok", seq: 1 }), 400, "validation_failed");
      expectInvalid(await patch(ann, chatId, m.id, {}), "text");
      expectInvalid(
        await request(node.url)
          .patch(`/api/v1/chats/${chatId}/messages/first`)
          .set(ann.auth)
          .send({ text: "x" }),
        "message_id",
      );
      const { rows: stored } = await node.db.pool.query("SELECT text FROM messages WHERE id = $1", [m.id]);
      expect(stored[0].text).to.equal("original");
    });
  });
});
