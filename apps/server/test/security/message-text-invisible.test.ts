/**
 * Issue 12, item 12(c): a text made only of invisible characters is blank, refused with
 * validation_failed by the one protocol schema, for sends and edits, over REST and sockets.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import type { ChatSocket } from "@chat/client";
import { isBlank } from "@chat/protocol";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { ackCode, connect } from "./support/sockets.ts";

const INVISIBLE = [
  "\u200B", // zero-width space
  "\u3164", // Hangul filler
  "\u2800", // blank Braille pattern
  "\u115F", // Hangul choseong filler
  "\uFFA0", // halfwidth Hangul filler
  "\u200D", // zero-width joiner
  "\uFEFF", // BOM
  "\u200E\u200F", // bidi marks
  "\u2066\u2069", // bidi isolates
  "\u00A0\u3000 \t", // no-break and ideographic spaces
  "\uFE0F\u180E\u2060", // variation selector, Mongolian vowel separator, word joiner
  "\u200B\u3164\u2800\u115F\uFFA0\u200D\uFEFF", // all together
];

describe("invisible-only message text is blank", function () {
  this.timeout(30_000);
  let node: TestNode;
  let alice: TestUser;
  let chatId: number;
  let s: ChatSocket;
  let messageId: number;

  before(async () => {
    node = await startTestNode();
    alice = await createUser(node.url, "alice");
    chatId = (
      await request(node.url).post("/api/v1/chats").set(alice.auth).send({ chat_type: "group", name: "g" })
    ).body.chat_id;
    s = await connect(node.url, alice.token);
    messageId = (
      await s.request("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: "hi" })
    ).message.id;
  });
  after(async () => {
    s?.close();
    await node?.close();
  });

  it("the schema's rule: invisible-only is blank, a visible character is not", () => {
    for (const t of INVISIBLE) expect(isBlank(t), JSON.stringify(t)).to.equal(true);
    for (const t of ["a", "\u200Bx", "한", "👍", "\u3164ㅎ", "e\u0301"])
      expect(isBlank(t), t).to.equal(false);
  });

  for (const text of INVISIBLE) {
    const name = JSON.stringify(text);
    it(`${name}: refused on REST send and edit, socket send and edit`, async () => {
      const send = await request(node.url)
        .post(`/api/v1/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ client_id: crypto.randomUUID(), text });
      expect(send.status, send.text).to.equal(400);
      expect(send.body.error.code).to.equal("validation_failed");
      const edit = await request(node.url)
        .patch(`/api/v1/chats/${chatId}/messages/${messageId}`)
        .set(alice.auth)
        .send({ text });
      expect(edit.status, edit.text).to.equal(400);
      expect(edit.body.error.code).to.equal("validation_failed");
      expect(
        await ackCode(s.request("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text })),
      ).to.equal("validation_failed");
      expect(
        await ackCode(s.request("message:edit", { chat_id: chatId, message_id: messageId, text })),
      ).to.equal("validation_failed");
    });
  }

  it("text with a visible character among invisible ones is accepted", async () => {
    const out = await s.request("message:send", {
      chat_id: chatId,
      client_id: crypto.randomUUID(),
      text: "\u200Bok\u200B",
    });
    expect(out.message.text).to.equal("\u200Bok\u200B");
  });
});
