/**
 * Issue 12, items 4 and 12(a): edits and deletes spend the sender's send budget
 * (RATE_LIMIT_SENDS_PER_USER_PER_10S), on sockets and REST; a retry of a client_id already stored
 * costs nothing and is answered as a duplicate, even when the budget is spent. Issue 18: reaction
 * toggles spend it too.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import type { ChatSocket } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { ackCode, connect } from "./support/sockets.ts";

const BUDGET = 5;

describe("send budget: edits, deletes and retries", function () {
  this.timeout(30_000);
  let node: TestNode;
  const sockets: ChatSocket[] = [];

  before(async () => {
    node = await startTestNode({ RATE_LIMIT_SENDS_PER_USER_PER_10S: String(BUDGET) });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await node?.close();
  });

  async function setup() {
    const who = await createUser(node.url, "sender");
    const chatId = (
      await request(node.url).post("/api/v1/chats").set(who.auth).send({ chat_type: "group", name: "g" })
    ).body.chat_id as number;
    const s = await connect(node.url, who.token);
    sockets.push(s);
    return { who, chatId, s };
  }
  type Uuid = ReturnType<typeof crypto.randomUUID>;
  const send = (s: ChatSocket, chatId: number, clientId: Uuid = crypto.randomUUID()) =>
    s.request("message:send", {
      chat_id: chatId,
      client_id: clientId as `${string}-${string}-${string}-${string}-${string}`,
      text: "hello",
    });
  const rest = (who: TestUser) => ({
    edit: (chatId: number, id: number) =>
      request(node.url)
        .patch(`/api/v1/chats/${chatId}/messages/${id}`)
        .set(who.auth)
        .send({ text: "edited" }),
    del: (chatId: number, id: number) =>
      request(node.url).delete(`/api/v1/chats/${chatId}/messages/${id}`).set(who.auth),
  });

  it("a burst of socket edits past the budget is refused rate_limited", async () => {
    const { chatId, s } = await setup();
    const { message } = await send(s, chatId); // 1 spent
    const codes: string[] = [];
    for (let i = 0; i < BUDGET; i++) {
      codes.push(
        await ackCode(s.request("message:edit", { chat_id: chatId, message_id: message.id, text: `v${i}` })),
      );
    }
    expect(codes).to.deep.equal(["ok", "ok", "ok", "ok", "rate_limited"]);
    expect(await ackCode(s.request("message:delete", { chat_id: chatId, message_id: message.id }))).to.equal(
      "rate_limited",
    );
  });

  it("REST edits and deletes spend the same budget (429 with retry_after)", async () => {
    const { who, chatId, s } = await setup();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await send(s, chatId)).message.id); // 3 spent
    const api = rest(who);
    expect((await api.edit(chatId, ids[0])).status).to.equal(200);
    expect((await api.del(chatId, ids[1])).status).to.equal(200);
    const edit = await api.edit(chatId, ids[2]);
    expect(edit.status, edit.text).to.equal(429);
    expect(edit.body.error.code).to.equal("rate_limited");
    expect(edit.body.error.details.retry_after).to.be.a("number");
    expect((await api.del(chatId, ids[2])).status).to.equal(429);
  });

  it("a burst of reaction toggles (socket and REST) past the budget is refused rate_limited, nothing changed", async () => {
    const { who, chatId, s } = await setup();
    const { message } = await send(s, chatId); // 1 spent
    const toggle = (emoji: string) =>
      s.request("reaction:toggle", { chat_id: chatId, message_id: message.id, emoji });
    const viaRest = (emoji: string) =>
      request(node.url)
        .post(`/api/v1/chats/${chatId}/messages/${message.id}/reactions`)
        .set(who.auth)
        .send({ emoji });
    const codes: string[] = [];
    for (const emoji of ["👍", "🎉", "👍"]) codes.push(await ackCode(toggle(emoji)));
    expect((await viaRest("🦄")).status).to.equal(200); // 5 spent
    codes.push(await ackCode(toggle("🔥")));
    expect(codes).to.deep.equal(["ok", "ok", "ok", "rate_limited"]);
    const refused = await viaRest("🔥");
    expect(refused.status, refused.text).to.equal(429);
    expect(refused.body.error.code).to.equal("rate_limited");
    expect(refused.body.error.details.retry_after).to.be.a("number");
    // What the refusals would have added is not there: 🎉 and 🦄 only.
    const page = await request(node.url).get(`/api/v1/chats/${chatId}/messages`).set(who.auth).expect(200);
    const m = (page.body.messages as { id: number; reactions?: { emoji: string }[] }[]).find(
      (x) => x.id === message.id,
    );
    expect(m?.reactions?.map((r) => r.emoji)).to.deep.equal(["🎉", "🦄"]);
  });

  it("with the budget spent, retries of stored client_ids are answered as duplicates (socket and REST)", async () => {
    const { who, chatId, s } = await setup();
    const stored = [];
    for (let i = 0; i < BUDGET; i++) stored.push((await send(s, chatId)).message);
    expect(await ackCode(send(s, chatId))).to.equal("rate_limited");
    for (const m of stored) {
      const again = await send(s, chatId, m.client_id as Uuid);
      expect(again.duplicate).to.equal(true);
      expect(again.message.id).to.equal(m.id);
      const viaRest = await request(node.url)
        .post(`/api/v1/chats/${chatId}/messages`)
        .set(who.auth)
        .send({ client_id: m.client_id, text: "hello" });
      expect(viaRest.status, viaRest.text).to.equal(200);
      expect(viaRest.body).to.include({ duplicate: true });
      expect(viaRest.body.message.id).to.equal(m.id);
    }
    // A new client_id is still refused.
    expect(await ackCode(send(s, chatId))).to.equal("rate_limited");
  });

  it("duplicates do not eat the budget of new messages", async () => {
    const { chatId, s } = await setup();
    const first = (await send(s, chatId)).message;
    for (let i = 0; i < 10; i++)
      expect((await send(s, chatId, first.client_id as Uuid)).duplicate).to.equal(true);
    for (let i = 1; i < BUDGET; i++) expect(await ackCode(send(s, chatId))).to.equal("ok");
    expect(await ackCode(send(s, chatId))).to.equal("rate_limited");
  });
});
