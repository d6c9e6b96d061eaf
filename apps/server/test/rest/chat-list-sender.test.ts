/**
 * Issue 18, item 8: the chat list names the last message's sender (`last_message_sender`), so a
 * fresh load shows "Bob: …" without opening the group. Summaries travel only over REST (GET /chats,
 * GET /chats/{id}, POST /chats); the socket's `chat:added` carries a stripped chat and `sync`
 * carries messages. The name is read at answer time (a rename shows at once), and it counts in the
 * answer byte budget (ANSWER_MAX_BYTES): names of 100 characters that JSON escapes to 6 bytes each
 * must not push a page past it.
 */
import { expect } from "chai";
import request from "supertest";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser, uniqueEmail, type TestUser } from "../support/users.ts";
import { getChat, sendText } from "./helpers/calls.ts";
import { expectOk } from "./helpers/expect.ts";

const BUDGET = 16_384;

describe("REST: the chat list's last_message_sender", function () {
  this.timeout(30_000);
  let node: TestNode;
  let ann: TestUser, bob: TestUser;
  before(async () => {
    node = await startTestNode({ ANSWER_MAX_BYTES: String(BUDGET) });
    [ann, bob] = await Promise.all(["Ann", "Bob"].map((n) => createUser(node.url, n)));
  });
  after(async () => {
    await node?.close();
  });

  const list = async (who: TestUser, offset = 0) =>
    expectOk("listChats", await request(node.url).get(`/api/v1/chats?offset=${offset}`).set(who.auth));
  const senderIn = async (who: TestUser, chatId: number) => {
    const fromList = (await list(who)).chats.find((c) => c.id === chatId)!;
    const one = await getChat(node.url, who, chatId);
    expect(one.last_message_sender, "GET /chats/{id} as the list").to.deep.equal(
      fromList.last_message_sender,
    );
    return fromList.last_message_sender;
  };

  it("is null for a chat with no message, in the list, GET /chats/{id} and POST /chats", async () => {
    const res = await request(node.url)
      .post("/api/v1/chats")
      .set(ann.auth)
      .send({ chat_type: "group", name: "quiet", member_ids: [bob.id] });
    const created = expectOk("createChat", res, 201);
    expect(created.chat).to.have.property("last_message_sender", null);
    expect(await senderIn(ann, created.chat_id)).to.equal(null);
    expect(await senderIn(bob, created.chat_id)).to.equal(null);
  });

  it("names whoever sent last, right after each send, for every member", async () => {
    const g = await createGroup(node.url, ann, [bob], "talk");
    await sendText(node.url, bob, g, "from bob");
    expect(await senderIn(ann, g)).to.deep.equal({ id: bob.id, name: bob.name });
    expect(await senderIn(bob, g)).to.deep.equal({ id: bob.id, name: bob.name });
    await sendText(node.url, ann, g, "from ann");
    expect(await senderIn(bob, g)).to.deep.equal({ id: ann.id, name: ann.name });
  });

  it("shows the sender's new name after a rename (PATCH /me)", async () => {
    const cat = await createUser(node.url, "Cat");
    const g = await createGroup(node.url, ann, [cat], "renames");
    await sendText(node.url, cat, g, "hello");
    expect(await senderIn(ann, g)).to.deep.equal({ id: cat.id, name: "Cat" });
    await request(node.url).patch("/api/v1/me").set(cat.auth).send({ name: "Catherine" }).expect(200);
    expect(await senderIn(ann, g)).to.deep.equal({ id: cat.id, name: "Catherine" });
  });

  it("counts in the answer byte budget: long escaped names and previews never push a page past it", async () => {
    // Each character below is 6 bytes of JSON (\u0001): the preview's 200 characters fill its
    // reserved share, so only the sender's own share keeps the page within the budget.
    const wide = "\u0001".repeat(100);
    const dan = await createUser(node.url, wide, { email: uniqueEmail("dan") });
    const eve = await createUser(node.url, "Eve");
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) {
      const g = await createGroup(node.url, eve, [dan], `g${i}`);
      await sendText(node.url, dan, g, "\u0001".repeat(200));
      ids.unshift(g);
    }
    const seen: number[] = [];
    let more = true;
    for (let pages = 0; more; pages++) {
      expect(pages).to.be.below(8);
      const res = await request(node.url)
        .get(`/api/v1/chats?offset=${seen.length}`)
        .set(eve.auth)
        .expect(200);
      const body = expectOk("listChats", res);
      expect(Buffer.byteLength(res.text), `page ${pages}: ${body.chats.length} chats`).to.be.at.most(BUDGET);
      for (const c of body.chats) expect(c.last_message_sender).to.deep.equal({ id: dan.id, name: wide });
      seen.push(...body.chats.map((c) => c.id));
      more = body.has_more;
    }
    expect(seen).to.deep.equal(ids);
  });
});
