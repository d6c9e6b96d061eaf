/** GET /search (issue 18): full-text search in my chats — Russian, English, prefixes, paging, access. */
import { expect } from "chai";
import { ApiClient } from "@chat/client";
import request from "supertest";
import { startTestNode, useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";

describe("REST: message search", () => {
  const node = useNode();
  let ann: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let chat: number;
  let other: number;
  before(async () => {
    [ann, bob, eve] = await Promise.all(["Ann", "Bob", "Eve"].map((n) => createUser(node.url, n)));
    chat = await createGroup(node.url, ann, [bob]);
    other = await createGroup(node.url, eve, [ann]);
  });

  const search = (who: TestUser, q: Record<string, string>) =>
    request(node.url).get("/api/v1/search").query(q).set(who.auth);
  const found = async (who: TestUser, q: Record<string, string>) =>
    expectOk("searchMessages", await search(who, q));
  const marked = (h: { snippet: string; highlights: [number, number][] }) =>
    h.highlights.map(([a, b]) => h.snippet.slice(a, b));

  it("finds Russian words in other forms and by prefix, with plain-text snippets and highlight ranges", async () => {
    const m = await sendText(node.url, ann, chat, "Отправил тебе сообщения про <b>отпуск</b> вчера вечером");
    for (const q of ["сообщение", "сообщ", "СООБЩЕНИЯ", "отпуск", "отпу"]) {
      const body = await found(bob, { q });
      expect(
        body.results.map((r) => r.message_id),
        q,
      ).to.deep.equal([m.id]);
    }
    const [hit] = (await found(bob, { q: "сообщ" })).results;
    expect(hit).to.deep.include({ chat_id: chat, message_id: m.id, seq: m.seq, sender_id: ann.id });
    expect(hit.snippet).to.equal("Отправил тебе сообщения про <b>отпуск</b> вчера вечером");
    expect(marked(hit)).to.deep.equal(["сообщения"]);
    // Opening it in context: history around its seq.
    const around = await request(node.url)
      .get(`/api/v1/chats/${chat}/messages?before_seq=${hit.seq + 1}&limit=5`)
      .set(bob.auth);
    expect(expectOk("listMessages", around).messages.at(-1)!.id).to.equal(m.id);
  });

  it("finds English words by stem and prefix; every word must match", async () => {
    const m = await sendText(node.url, bob, chat, "The deployment pipelines are running again");
    await sendText(node.url, bob, chat, "Unrelated pipeline chatter");
    expect((await found(ann, { q: "pipeline run" })).results.map((r) => r.message_id)).to.deep.equal([m.id]);
    expect((await found(ann, { q: "deploy" })).results.map((r) => r.message_id)).to.deep.equal([m.id]);
    const [hit] = (await found(ann, { q: "deploy runs" })).results;
    expect(marked(hit)).to.deep.equal(["deployment", "running"]);
    expect((await found(ann, { q: "pipelines" })).results).to.have.length(2);
    // A one-letter word is matched whole, not as a prefix of most words.
    expect((await found(ann, { q: "t" })).results).to.deep.equal([]);
    expect((await found(ann, { q: "th" })).results.map((r) => r.message_id)).to.include(m.id);
  });

  it("searches only the chats I am in now: a removed member stops finding; chat_id narrows; outsiders 403", async () => {
    const secret = await sendText(node.url, eve, other, "квазар секретный план");
    expect((await found(ann, { q: "квазар" })).results.map((r) => r.message_id)).to.deep.equal([secret.id]);
    expect((await found(bob, { q: "квазар" })).results).to.deep.equal([]);
    expect((await found(ann, { q: "квазар", chat_id: String(chat) })).results).to.deep.equal([]);
    expectError(await search(bob, { q: "квазар", chat_id: String(other) }), 403, "not_a_member");
    expectError(await search(bob, { q: "квазар", chat_id: "999999" }), 404, "chat_not_found");
    const out = await request(node.url).delete(`/api/v1/chats/${other}/members/${ann.id}`).set(eve.auth);
    expect(out.status).to.equal(200);
    expect((await found(ann, { q: "квазар" })).results).to.deep.equal([]);
    expect((await found(eve, { q: "квазар" })).results).to.have.length(1);
  });

  it("never finds a deleted message", async () => {
    const m = await sendText(node.url, ann, chat, "zanzibar itinerary");
    expect((await found(bob, { q: "zanzibar" })).results).to.have.length(1);
    const del = await request(node.url).delete(`/api/v1/chats/${chat}/messages/${m.id}`).set(ann.auth);
    expect(del.status).to.equal(200);
    expect((await found(bob, { q: "zanzibar" })).results).to.deep.equal([]);
  });

  it("pages with next_before: best first, no repeats, every match once", async () => {
    const g = await createGroup(node.url, ann, [bob]);
    const sent: { id: number }[] = [];
    for (let i = 0; i < 7; i++)
      sent.push(await sendText(node.url, ann, g, i % 2 ? "флюгер флюгер флюгер" : `флюгер номер ${i}`));
    const seen: number[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const q: Record<string, string> = { q: "флюгер", chat_id: String(g), limit: "3" };
      if (before) q.before = before;
      const body = await found(bob, q);
      expect(body.results.length).to.be.at.most(3);
      seen.push(...body.results.map((r) => r.message_id));
      for (let i = 1; i < body.results.length; i++)
        expect(body.results[i - 1].rank).to.be.at.least(body.results[i].rank);
      before = body.next_before;
      pages++;
    } while (before && pages < 10);
    expect(pages).to.equal(3);
    // The client library pages the same way.
    const api = new ApiClient(node.url, { token: bob.token });
    const one = await api.searchMessages("флюгер", { chatId: g, limit: 4 });
    const two = await api.searchMessages("флюгер", { chatId: g, limit: 4, before: one.next_before! });
    expect([...one.results, ...two.results].map((r) => r.message_id).sort((a, b) => a - b)).to.deep.equal(
      sent.map((m) => m.id),
    );
    expect(two.next_before).to.equal(null);
    expect([...seen].sort((a, b) => a - b)).to.deep.equal(sent.map((m) => m.id));
    // The three-times word ranks first.
    expect(seen.slice(0, 3).every((id) => sent.findIndex((m) => m.id === id) % 2 === 1)).to.equal(true);
  });

  it("hostile queries are words, never tsquery syntax: no 500, no error, nothing injected", async () => {
    await sendText(node.url, ann, chat, "alpha beta gamma");
    for (const q of [
      "&|!():*'\\",
      "alpha & !beta",
      "alpha:* | zzz",
      "'alpha'",
      "alpha)",
      "!(",
      "<->",
      "a\u0001b\u0002",
    ]) {
      const res = await search(bob, { q });
      expect(res.status, `${q}: ${res.text}`).to.equal(200);
    }
    // "alpha & !beta" means the words alpha and beta: the message has both.
    expect((await found(bob, { q: "alpha & !beta" })).results).to.have.length(1);
    expect((await found(bob, { q: "alpha | zzz" })).results).to.deep.equal([]);
    expect((await found(bob, { q: "&|!():*'\\" })).results).to.deep.equal([]);
    expectInvalid(await search(bob, { q: "" }), "q");
    expectInvalid(await search(bob, { q: "x".repeat(201) }), "q");
    expectInvalid(await search(bob, { q: "a", before: "1; DROP TABLE messages" }), "before");
    expectInvalid(await search(bob, { q: "a", limit: "51" }), "limit");
    expectInvalid(await search(bob, { q: "a", chat_id: "-1" }), "chat_id");
  });

  it("the markers of highlights cannot be forged by a message's own text", async () => {
    await sendText(node.url, ann, chat, "forged \u0001marker\u0002 text obelisk");
    const [hit] = (await found(bob, { q: "obelisk" })).results;
    expect(hit.snippet).to.not.match(/[\u0001\u0002]/);
    expect(marked(hit)).to.deep.equal(["obelisk"]);
  });

  it("refuses to search an encrypted chat on the server (encrypted_chat)", async () => {
    const res = await request(node.url)
      .post("/api/v1/chats")
      .set(ann.auth)
      .send({ name: "e2e", chat_type: "group", member_ids: [bob.id], encrypted: true });
    expect(res.status).to.equal(201);
    const e2e = res.body.chat_id as number;
    expectError(await search(ann, { q: "hello", chat_id: String(e2e) }), 409, "encrypted_chat");
  });

  it("is rate-limited per user", async () => {
    const limited = await startTestNode({ RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE: "3" });
    try {
      const u = await createUser(limited.url, "Limited");
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await request(limited.url).get("/api/v1/search?q=x").set(u.auth)).status);
      expect(statuses).to.deep.equal([200, 200, 200, 429]);
      // People search keeps its own budget.
      expect((await request(limited.url).get("/api/v1/users?query=x").set(u.auth)).status).to.equal(200);
    } finally {
      await limited.close();
    }
  });
});
