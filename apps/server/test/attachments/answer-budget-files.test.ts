/**
 * Issue 16, item 3: files count in the answer byte budget (ANSWER_MAX_BYTES), in the SQL running
 * sum, for paging, sync, the chat list and /history alike. Messages of one character with 10 files
 * of 255-character names (about 5.5 KB of JSON each) against a 16 KiB budget (the least allowed):
 * two fit an answer, a third does not — by the text alone, all 6 would.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import pg from "pg";
import { useNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { insertAttachment } from "../support/attachments.ts";
import { connect } from "../security/support/sockets.ts";

const BUDGET = 16_384;
const MESSAGES = 6;

describe("answer byte budget with files", function () {
  this.timeout(30_000);
  const node = useNode({ ANSWER_MAX_BYTES: String(BUDGET) });
  let alice: TestUser;
  let chatId: number;

  before(async () => {
    const db = new pg.Pool({ connectionString: node.databaseUrl, max: 2 });
    try {
      alice = await createUser(node.url, "alice");
      chatId = (
        await request(node.url)
          .post("/api/v1/chats")
          .set(alice.auth)
          .send({ chat_type: "group", name: "files" })
      ).body.chat_id;
      for (let i = 0; i < MESSAGES; i++) {
        const ids = [];
        for (let f = 0; f < 10; f++)
          ids.push(await insertAttachment(db, { uploaderId: alice.id, name: `${"n".repeat(245)}-${f}.txt` }));
        await request(node.url)
          .post(`/api/v1/chats/${chatId}/messages`)
          .set(alice.auth)
          .send({ client_id: crypto.randomUUID(), text: "x", attachment_ids: ids })
          .expect(201);
      }
    } finally {
      await db.end();
    }
  });

  it("paging answers two messages per page with has_more, and stays near the budget", async () => {
    const back = await request(node.url)
      .get(`/api/v1/chats/${chatId}/messages?limit=100`)
      .set(alice.auth)
      .expect(200);
    expect(back.body.messages.map((m: { seq: number }) => m.seq)).to.deep.equal([MESSAGES - 1, MESSAGES]);
    expect(back.body.has_more).to.equal(true);
    expect(back.body.messages[0].attachments).to.have.length(10);
    // The first row always comes (a page moves forward): over the budget by at most that row.
    expect(JSON.stringify(back.body).length).to.be.below(BUDGET);
  });

  it("sync and /history stop at the budget too", async () => {
    const s = await connect(node.url, alice.token);
    try {
      const out = await s.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }], limit: 500 });
      expect(out.chats[0].messages.map((m) => m.seq)).to.deep.equal([1, 2]);
      expect(out.chats[0].has_more).to.equal(true);
    } finally {
      s.close();
    }
    const history = await request(node.url).get(`/history/${chatId}?limit=10`).set(alice.auth).expect(200);
    expect(history.body).to.have.length(2);
    expect(history.headers["x-has-more"]).to.equal("true");
  });

  it("GET /chats counts the last messages' files: pages stay within the budget (or hold one chat)", async () => {
    const db = new pg.Pool({ connectionString: node.databaseUrl, max: 2 });
    const bob = await createUser(node.url, "bob");
    const ids: number[] = [];
    try {
      for (let c = 0; c < 4; c++) {
        const id = (
          await request(node.url)
            .post("/api/v1/chats")
            .set(bob.auth)
            .send({ chat_type: "group", name: `c${c}` })
        ).body.chat_id as number;
        const files = [];
        for (let f = 0; f < 10; f++)
          files.push(await insertAttachment(db, { uploaderId: bob.id, name: `${"m".repeat(245)}-${f}.txt` }));
        await request(node.url)
          .post(`/api/v1/chats/${id}/messages`)
          .set(bob.auth)
          .send({ client_id: crypto.randomUUID(), attachment_ids: files })
          .expect(201);
        ids.unshift(id);
      }
    } finally {
      await db.end();
    }
    const seen: number[] = [];
    for (let more = true, pages = 0; more; pages++) {
      expect(pages).to.be.below(4);
      const res = await request(node.url)
        .get(`/api/v1/chats?offset=${seen.length}`)
        .set(bob.auth)
        .expect(200);
      const size = JSON.stringify(res.body).length;
      expect(
        size <= BUDGET || res.body.chats.length === 1,
        `${size} bytes, ${res.body.chats.length} chats`,
      ).to.equal(true);
      for (const c of res.body.chats) expect(c.last_message.attachments).to.have.length(10);
      seen.push(...res.body.chats.map((c: { id: number }) => c.id));
      more = res.body.has_more;
    }
    expect(seen).to.deep.equal(ids);
  });
});
