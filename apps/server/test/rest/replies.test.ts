/** Replies (issue 18): reply_to a message of the same chat; the quote follows edits and deletes. */
import crypto from "node:crypto";
import { expect } from "chai";
import { ApiClient } from "@chat/client";
import request from "supertest";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";

describe("REST: replies", () => {
  const node = useNode();
  let ann: TestUser;
  let bob: TestUser;
  let chat: number;
  before(async () => {
    [ann, bob] = await Promise.all(["Ann", "Bob"].map((n) => createUser(node.url, n)));
    chat = await createGroup(node.url, ann, [bob]);
  });

  const reply = (who: TestUser, chatId: number, replyTo: unknown, text = "a reply") =>
    request(node.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(who.auth)
      .send({ client_id: crypto.randomUUID(), text, reply_to: replyTo });
  const page = async (who: TestUser) =>
    expectOk("listMessages", await request(node.url).get(`/api/v1/chats/${chat}/messages`).set(who.auth))
      .messages;

  it("a reply carries the quote {id, seq, sender_id, snippet, deleted}; it follows an edit, then a delete", async () => {
    const original = await sendText(node.url, ann, chat, "Встречаемся в 10? " + "x".repeat(200));
    const sent = expectOk("sendMessage", await reply(bob, chat, original.id)).message;
    const quote = {
      id: original.id,
      seq: original.seq,
      sender_id: ann.id,
      snippet: ("Встречаемся в 10? " + "x".repeat(200)).slice(0, 100),
      deleted: false,
    };
    expect(sent.reply_to).to.deep.equal(quote);
    expect((await page(ann)).find((m) => m.id === sent.id)!.reply_to).to.deep.equal(quote);
    // A message that replies to nothing has no reply_to field.
    expect((await page(ann)).find((m) => m.id === original.id)!).to.not.have.property("reply_to");

    const edit = await request(node.url)
      .patch(`/api/v1/chats/${chat}/messages/${original.id}`)
      .set(ann.auth)
      .send({ text: "Встречаемся в 11" });
    expect(edit.status).to.equal(200);
    expect((await page(bob)).find((m) => m.id === sent.id)!.reply_to).to.deep.equal({
      ...quote,
      snippet: "Встречаемся в 11",
    });
    // The reply's own edit keeps its quote.
    const own = await request(node.url)
      .patch(`/api/v1/chats/${chat}/messages/${sent.id}`)
      .set(bob.auth)
      .send({ text: "a reply, edited" });
    expect(own.body.reply_to.snippet).to.equal("Встречаемся в 11");

    await request(node.url).delete(`/api/v1/chats/${chat}/messages/${original.id}`).set(ann.auth).expect(200);
    expect((await page(bob)).find((m) => m.id === sent.id)!.reply_to).to.deep.equal({
      ...quote,
      snippet: "",
      deleted: true,
    });
    // A deleted message takes no new replies.
    expectError(await reply(bob, chat, original.id), 409, "conflict");
  });

  it("refuses a reply to another chat's message or to no message (404), and a malformed reply_to (400)", async () => {
    const stored = async () =>
      (await node.db.pool.query("SELECT count(*)::int AS n FROM messages WHERE chat_id = $1", [chat])).rows[0]
        .n;
    const before = await stored();
    const elsewhere = await createGroup(node.url, ann, []);
    const foreign = await sendText(node.url, ann, elsewhere, "not in that chat");
    expectError(await reply(bob, chat, foreign.id), 404, "message_not_found");
    expectError(await reply(ann, chat, foreign.id), 404, "message_not_found");
    expectError(await reply(bob, chat, 2_000_000_000), 404, "message_not_found");
    for (const bad of ["1", -1, 0, 1.5, null, { id: 1 }])
      expectInvalid(await reply(bob, chat, bad), "reply_to");
    const count = await node.db.pool.query("SELECT count(*)::int AS n FROM messages WHERE chat_id = $1", [
      chat,
    ]);
    expect(count.rows[0].n).to.be.a("number");
  });

  it("a retried send (same client_id) answers the stored reply with its quote", async () => {
    const original = await sendText(node.url, ann, chat, "retry me");
    const clientId = crypto.randomUUID();
    const send = () =>
      request(node.url)
        .post(`/api/v1/chats/${chat}/messages`)
        .set(bob.auth)
        .send({ client_id: clientId, text: "once", reply_to: original.id });
    const first = expectOk("sendMessage", await send()).message;
    const again = expectOk("sendMessage", await send(), 200);
    expect(again.duplicate).to.equal(true);
    expect(again.message).to.deep.equal(first);
    expect(first.reply_to!.id).to.equal(original.id);
    // The client library's send takes replyTo.
    const api = new ApiClient(node.url, { token: ann.token });
    const viaClient = await api.sendMessage(chat, "via the client", { replyTo: first.id });
    expect(viaClient.message.reply_to).to.include({ id: first.id, sender_id: bob.id, snippet: "once" });
  });

  it("the chat list's last message is the whole message: its quote and reactions too", async () => {
    // A client keeps one copy per message: an incomplete one from the list would hide them.
    const original = await sendText(node.url, ann, chat, "last one?");
    const last = expectOk("sendMessage", await reply(bob, chat, original.id, "the last one")).message;
    await request(node.url)
      .post(`/api/v1/chats/${chat}/messages/${last.id}/reactions`)
      .set(ann.auth)
      .send({ emoji: "👍" })
      .expect(200);
    const list = expectOk("listChats", await request(node.url).get("/api/v1/chats").set(bob.auth));
    const m = list.chats.find((c) => c.id === chat)!.last_message!;
    expect(m.id).to.equal(last.id);
    expect(m.reply_to).to.deep.equal(last.reply_to);
    expect(m.reactions).to.deep.equal([{ emoji: "👍", count: 1, user_ids: [ann.id] }]);
    expect(m).to.deep.equal((await page(bob)).find((x) => x.id === last.id));
  });
});
