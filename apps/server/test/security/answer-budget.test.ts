/**
 * Issue 12, item 1: every answer that returns messages stays within ANSWER_MAX_BYTES and says
 * there is more (sync and paging: `has_more`; GET /chats: `has_more` + `offset`; the origin's
 * /history: fewer items and `X-Has-More`); a socket has at most 2 syncs in flight; syncs spend a
 * per-user budget. Messages of 2,000 CJK characters (6,000 bytes) against a 16 KiB budget: two
 * fit an answer, a third does not.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import type { ChatSocket } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { ackCode, connect } from "./support/sockets.ts";

const BUDGET = 16_384;
const BIG = "漢".repeat(2000);

describe("answer byte budget (ANSWER_MAX_BYTES)", function () {
  this.timeout(30_000);
  let node: TestNode;
  let alice: TestUser;
  let chatId: number;
  /** Message ids by seq - 1: the origin's /history items carry no seq. */
  const sentIds: number[] = [];
  const sockets: ChatSocket[] = [];

  before(async () => {
    node = await startTestNode({ ANSWER_MAX_BYTES: String(BUDGET), RATE_LIMIT_SYNCS_PER_USER_PER_10S: "8" });
    alice = await createUser(node.url, "alice");
    chatId = (
      await request(node.url).post("/api/v1/chats").set(alice.auth).send({ chat_type: "group", name: "big" })
    ).body.chat_id;
    for (let i = 0; i < 6; i++) {
      const sent = await request(node.url)
        .post(`/api/v1/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ client_id: crypto.randomUUID(), text: BIG })
        .expect(201);
      sentIds.push(sent.body.message.id);
    }
  });
  after(async () => {
    for (const s of sockets) s.close();
    await node?.close();
  });

  const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq);

  it("REST paging stops at the budget with has_more, both directions", async () => {
    const back = await request(node.url)
      .get(`/api/v1/chats/${chatId}/messages?limit=100`)
      .set(alice.auth)
      .expect(200);
    expect(seqs(back.body.messages)).to.deep.equal([5, 6]);
    expect(back.body.has_more).to.equal(true);
    const fwd = await request(node.url)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=4&limit=100`)
      .set(alice.auth)
      .expect(200);
    expect(seqs(fwd.body.messages)).to.deep.equal([5, 6]);
    expect(fwd.body.has_more).to.equal(false);
    expect(JSON.stringify(back.body).length).to.be.below(BUDGET);
  });

  it("/history answers fewer items within the budget and says X-Has-More", async () => {
    const seqsOf = (items: { id: number }[]) => items.map((m) => sentIds.indexOf(m.id) + 1);
    const first = await request(node.url).get(`/history/${chatId}?limit=10`).set(alice.auth).expect(200);
    expect(seqsOf(first.body)).to.deep.equal([5, 6]);
    expect(first.headers["x-has-more"]).to.equal("true");
    const last = await request(node.url)
      .get(`/history/${chatId}?limit=10&offset=4`)
      .set(alice.auth)
      .expect(200);
    expect(seqsOf(last.body)).to.deep.equal([1, 2]);
    expect(last.headers["x-has-more"]).to.equal("false");
  });

  it("GET /chats stops at the budget (last messages) with has_more, and offset pages on", async () => {
    const bob = await createUser(node.url, "bob");
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (
        await request(node.url)
          .post("/api/v1/chats")
          .set(bob.auth)
          .send({ chat_type: "group", name: `c${i}` })
      ).body.chat_id as number;
      await request(node.url)
        .post(`/api/v1/chats/${id}/messages`)
        .set(bob.auth)
        .send({ client_id: crypto.randomUUID(), text: BIG })
        .expect(201);
      ids.unshift(id); // most recent activity first
    }
    const seen: number[] = [];
    let more = true;
    for (let pages = 0; more; pages++) {
      expect(pages).to.be.below(5);
      const res = await request(node.url)
        .get(`/api/v1/chats?offset=${seen.length}`)
        .set(bob.auth)
        .expect(200);
      expect(res.body.chats.length).to.be.within(1, 2);
      seen.push(...res.body.chats.map((c: { id: number }) => c.id));
      more = res.body.has_more;
    }
    expect(seen).to.deep.equal(ids);
    await request(node.url).get("/api/v1/chats?offset=x").set(bob.auth).expect(400);
  });

  it("sync stops at the budget with has_more; a third sync in flight on one socket is refused; syncs spend a per-user budget", async () => {
    const s = await connect(node.url, alice.token);
    sockets.push(s);
    const out = await s.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }], limit: 500 });
    expect(seqs(out.chats[0].messages)).to.deep.equal([1, 2]);
    expect(out.chats[0].has_more).to.equal(true);

    const three = await Promise.all(
      [0, 1, 2].map(() => ackCode(s.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] }))),
    );
    expect(three.filter((c) => c === "ok")).to.have.length(2);
    expect(three.filter((c) => c === "rate_limited")).to.have.length(1);

    // 8 per 10 s: 1 + 2 spent above; 5 more pass, the next is refused.
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(await ackCode(s.request("sync", {})));
    expect(codes).to.deep.equal(["ok", "ok", "ok", "ok", "ok", "rate_limited"]);
  });
});
