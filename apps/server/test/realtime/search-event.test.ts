/**
 * The socket's `search` event (issue 18): the same domain call as GET /api/v1/search — the same
 * answer, paging and access rules, the same per-user budget (RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE,
 * shared with REST), bounded like it; bad payloads get validation_failed and the socket stays open.
 */
import { expect } from "chai";
import request from "supertest";
import type { AckError, ChatSocket } from "@chat/client";
import { SearchResponse, SEARCH_MAX_LIMIT, SEARCH_MAX_QUERY } from "@chat/protocol";
import { startTestNode, useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "../rest/helpers/calls.ts";
import { useDevices } from "../cluster/devices.ts";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: AckError) => e.code,
  );

describe("socket: the search event", () => {
  const node = useNode();
  const devices = useDevices();
  let ann: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let chat: number;
  let evesChat: number;
  before(async () => {
    [ann, bob, eve] = await Promise.all(["Ann", "Bob", "Eve"].map((n) => createUser(node.url, n)));
    chat = await createGroup(node.url, ann, [bob]);
    evesChat = await createGroup(node.url, eve, [ann]);
    await sendText(node.url, ann, chat, "Отправил тебе сообщения про отпуск");
    for (let i = 1; i <= 5; i++) await sendText(node.url, bob, chat, `pipeline note ${i}`);
    await sendText(node.url, eve, evesChat, "pipeline of Eve's chat");
  });

  const viaRest = async (who: TestUser, q: Record<string, string>) =>
    (await request(node.url).get("/api/v1/search").query(q).set(who.auth).expect(200)).body;

  it("answers as GET /search does: Russian prefixes, paging with before, one chat with chat_id", async () => {
    const s = await devices.connect(node.url, bob);
    const ru = await s.request("search", { q: "сообщ" });
    expect(SearchResponse.parse(ru)).to.deep.equal(ru);
    expect(ru).to.deep.equal(await viaRest(bob, { q: "сообщ" }));
    expect(ru.results.map((h) => h.snippet)).to.deep.equal(["Отправил тебе сообщения про отпуск"]);

    // Pages of two, as REST pages them.
    const pages: number[][] = [];
    let before: string | undefined;
    do {
      const page = await s.request("search", { q: "pipeline", limit: 2, ...(before && { before }) });
      const rest = await viaRest(bob, { q: "pipeline", limit: "2", ...(before && { before }) });
      expect(page).to.deep.equal(rest);
      pages.push(page.results.map((h) => h.message_id));
      before = page.next_before ?? undefined;
    } while (before);
    expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 1]);
    // Ann's search across her chats finds Eve's chat too; with chat_id only the one.
    const a = await devices.connect(node.url, ann);
    expect((await a.request("search", { q: "pipeline", limit: SEARCH_MAX_LIMIT })).results).to.have.length(6);
    const one = await a.request("search", { q: "pipeline", chat_id: evesChat });
    expect(one.results.map((h) => h.chat_id)).to.deep.equal([evesChat]);
  });

  it("refuses a chat I am not in, an encrypted chat and bad payloads by ack; the socket stays open", async () => {
    const s = await devices.connect(node.url, bob);
    expect(await code(s.request("search", { q: "pipeline", chat_id: evesChat }))).to.equal("not_a_member");
    const e2e = await request(node.url)
      .post("/api/v1/chats")
      .set(bob.auth)
      .send({ name: "e2e", chat_type: "group", member_ids: [ann.id], encrypted: true })
      .expect(201);
    expect(await code(s.request("search", { q: "hello", chat_id: e2e.body.chat_id }))).to.equal(
      "encrypted_chat",
    );
    const bad: unknown[] = [
      {},
      { q: "" },
      { q: "x".repeat(SEARCH_MAX_QUERY + 1) },
      { q: 5 },
      { q: "x", limit: 0 },
      { q: "x", limit: SEARCH_MAX_LIMIT + 1 },
      { q: "x", limit: "5" },
      { q: "x", before: "1_" },
      { q: "x", chat_id: String(chat) },
      { q: "x", chat_id: -1 },
      { q: "x", sql: "1" },
      "pipeline",
    ];
    for (const p of bad)
      expect(await code(s.request("search", p as { q: string })), JSON.stringify(p)).to.equal(
        "validation_failed",
      );
    // Still connected and answering.
    expect((await s.request("search", { q: "pipeline" })).results).to.have.length(5);
  });

  it("spends the search budget GET /search spends: rate_limited past it on either", async () => {
    const limited = await startTestNode({ RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE: "3" });
    let s: ChatSocket | undefined;
    try {
      const u = await createUser(limited.url, "Limited");
      s = await devices.connect(limited.url, u);
      const outcomes = [
        await code(s.request("search", { q: "x" })),
        (await request(limited.url).get("/api/v1/search?q=x").set(u.auth)).status,
        await code(s.request("search", { q: "x" })),
        await code(s.request("search", { q: "x" })),
        (await request(limited.url).get("/api/v1/search?q=x").set(u.auth)).status,
      ];
      expect(outcomes).to.deep.equal(["ok", 200, "ok", "rate_limited", 429]);
    } finally {
      s?.close();
      await limited.close();
    }
  });
});
