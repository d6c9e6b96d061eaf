/**
 * Abuse limits, on two in-process nodes sharing a private Redis (one counter per key for the
 * whole cluster): login brute force per account and per address, registrations per address,
 * message sends and typing per user, socket connections per user and per address. Refusals are
 * 429 with `details.retry_after` and a matching Retry-After header, an error ack with the same
 * details, or a `rate_limited` connect_error. Each test claims its own client addresses through
 * X-Forwarded-For (the nodes run with TRUST_PROXY_HOPS=1: the test plays their proxy), so the
 * tests do not share counters.
 */
import { expect } from "chai";
import request from "supertest";
import type { ChatSocket } from "@chat/client";
import type { AckError } from "@chat/client";
import type { TestNode } from "../support/node.ts";
import { startTwoNodes, stopTwoNodes, type TwoNodes } from "../support/two-nodes.ts";
import { DbProbe } from "./support/db-state.ts";
import { PASSWORD, createGroup, createUser, uniqueEmail, type TestUser } from "../support/users.ts";
import { connect, handshake } from "./support/sockets.ts";

const LIMITS = {
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "6",
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: "4",
  RATE_LIMIT_SENDS_PER_USER_PER_10S: "10",
  RATE_LIMIT_TYPING_PER_USER_PER_10S: "5",
  RATE_LIMIT_CONNECTIONS_PER_USER_PER_MINUTE: "3",
  RATE_LIMIT_CONNECTIONS_PER_IP_PER_MINUTE: "5",
};

let ipCounter = 0;
/** A client address of its own (TEST-NET-3), so no two callers share a per-IP counter by accident. */
const freshIp = () => `203.0.113.${++ipCounter}`;

/** A 429 with the catalogue body, details.retry_after within the window, and the same Retry-After. */
function expectLimited(res: request.Response, windowSeconds: number): void {
  expect(res.status, res.text).to.equal(429);
  expect(res.body.error.code).to.equal("rate_limited");
  const retryAfter = res.body.error.details?.retry_after;
  expect(retryAfter).to.be.a("number").within(1, windowSeconds);
  expect(res.headers["retry-after"]).to.equal(String(retryAfter));
}

describe("abuse limits (shared through Redis by two nodes)", function () {
  this.timeout(30_000);
  let two: TwoNodes | undefined;
  let a: TestNode;
  let b: TestNode;
  let db: DbProbe;
  const sockets: ChatSocket[] = [];
  const nodes = () => [a, b];
  const person = (name: string) => createUser(a.url, name, { ip: freshIp() });
  const socket = async (node: TestNode, who: TestUser) => {
    const s = await connect(node.url, who.token, { ip: freshIp() });
    sockets.push(s);
    return s;
  };
  const login = (node: TestNode, email: string, password: string, ip: string) =>
    request(node.url)
      .post("/api/v1/token")
      .set("X-Forwarded-For", ip)
      .type("form")
      .send({ username: email, password });

  before(async () => {
    two = await startTwoNodes({ REDIS_KEY_PREFIX: "abuse", TRUST_PROXY_HOPS: "1", ...LIMITS });
    ({ a, b } = two);
    db = new DbProbe(a.databaseUrl);
  });

  after(async () => {
    for (const s of sockets) s.close();
    await db?.close();
    await stopTwoNodes(two);
  });

  describe("login brute force", () => {
    it("per (account, address): after 4 failures that address is refused, on any node; the owner elsewhere is not", async () => {
      // Registered but never logged in: all 4 attempts of the account's budget are the attacker's.
      const victim = { email: uniqueEmail("victim") };
      await request(a.url)
        .post("/api/v1/register")
        .set("X-Forwarded-For", freshIp())
        .send({ name: "Victim", email: victim.email, password: PASSWORD })
        .expect(201);
      const attacker = freshIp();
      for (let i = 0; i < 4; i++) {
        const res = await login(nodes()[i % 2], victim.email, `guess-${i}`, attacker);
        expect(res.status).to.equal(401);
      }
      expectLimited(await login(b, victim.email, PASSWORD, attacker), 60);
      // The account key is the normalised email: case games do not reset it.
      expectLimited(await login(a, victim.email.toUpperCase(), PASSWORD, attacker), 60);
      // The owner from another address is slowed at most, never locked out (login-lockout.test.ts).
      expect((await login(a, victim.email, PASSWORD, freshIp())).status).to.equal(200);
      // Someone else's account is not locked by it.
      const other = await person("Other");
      expect((await login(a, other.email, PASSWORD, freshIp())).status).to.equal(200);
    });

    it("per address: 6 attempts at different accounts, then 429 on either node; other addresses unaffected", async () => {
      const attacker = freshIp();
      for (let i = 0; i < 6; i++) {
        const res = await login(nodes()[i % 2], uniqueEmail("nobody"), "whatever-password", attacker);
        expect(res.status).to.equal(401);
      }
      expectLimited(await login(a, uniqueEmail("nobody"), "whatever-password", attacker), 60);
      expectLimited(await login(b, uniqueEmail("nobody"), "whatever-password", attacker), 60);
      expect((await login(a, uniqueEmail("nobody"), "whatever-password", freshIp())).status).to.equal(401);
    });
  });

  it("registrations per address: 6, then 429; nothing stored for the refused ones", async () => {
    const ip = freshIp();
    const emails = Array.from({ length: 8 }, () => uniqueEmail("bulk"));
    const statuses: number[] = [];
    for (const [i, email] of emails.entries()) {
      const res = await request(nodes()[i % 2].url)
        .post("/api/v1/register")
        .set("X-Forwarded-For", ip)
        .send({ name: "Bulk", email, password: PASSWORD });
      statuses.push(res.status);
      if (res.status === 429) expectLimited(res, 60);
    }
    expect(statuses).to.deep.equal([201, 201, 201, 201, 201, 201, 429, 429]);
    const stored = await db.query("SELECT email FROM users WHERE email = ANY($1)", [emails]);
    expect(stored.rowCount).to.equal(6);
  });

  it("message sends per user: one budget of 10 per 10 s across both nodes and REST", async () => {
    const sender = await person("Sender");
    const friend = await person("Friend");
    const chatId = await createGroup(a.url, sender, [friend], "flood");
    const onA = await socket(a, sender);
    const onB = await socket(b, sender);
    const outcomes: string[] = [];
    const retryAfters: unknown[] = [];
    for (let i = 0; i < 14; i++) {
      const s = i % 2 === 0 ? onA : onB;
      try {
        await s.request("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: `m${i}` });
        outcomes.push("ok");
      } catch (err) {
        outcomes.push((err as AckError).code);
        retryAfters.push((err as AckError).error.details);
      }
    }
    expect(outcomes).to.deep.equal([...Array(10).fill("ok"), ...Array(4).fill("rate_limited")]);
    for (const d of retryAfters) expect((d as { retry_after: number }).retry_after).to.be.within(1, 10);
    const rest = await request(b.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(sender.auth)
      .send({ client_id: crypto.randomUUID(), text: "over REST" });
    expectLimited(rest, 10);
    const stored = await db.query("SELECT 1 FROM messages WHERE sender_id = $1", [sender.id]);
    expect(stored.rowCount).to.equal(10);
    // The friend's own budget is untouched.
    await request(a.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(friend.auth)
      .send({ client_id: crypto.randomUUID(), text: "my turn" })
      .expect(201);
  });

  it("typing per user: 5 per 10 s across both nodes, then an error ack with retry_after", async () => {
    const typist = await person("Typist");
    const chat = await request(a.url)
      .post("/api/v1/chats")
      .set(typist.auth)
      .send({ name: "t", chat_type: "group" })
      .expect(201);
    const chatId = chat.body.chat_id as number;
    const onA = await socket(a, typist);
    const onB = await socket(b, typist);
    const outcomes: string[] = [];
    let details: unknown;
    for (let i = 0; i < 7; i++) {
      try {
        await (i % 2 === 0 ? onA : onB).request("typing", { chat_id: chatId, is_typing: i % 4 < 2 });
        outcomes.push("ok");
      } catch (err) {
        outcomes.push((err as AckError).code);
        details = (err as AckError).error.details;
      }
    }
    expect(outcomes).to.deep.equal(["ok", "ok", "ok", "ok", "ok", "rate_limited", "rate_limited"]);
    expect((details as { retry_after: number }).retry_after).to.be.within(1, 10);
  });

  describe("amplification", () => {
    it("sync: a chat listed 1000 times is answered once, and one answer holds at most 1000 messages", async () => {
      const reader = await person("Reader");
      const chatIds: number[] = [];
      for (let i = 0; i < 3; i++) {
        const chat = await request(a.url)
          .post("/api/v1/chats")
          .set(reader.auth)
          .send({ name: `backlog ${i}`, chat_type: "group" })
          .expect(201);
        chatIds.push(chat.body.chat_id);
      }
      // A backlog of 450 per chat, written straight to the database (the sends are not the point).
      for (const id of chatIds) {
        await db.query(
          `INSERT INTO messages (chat_id, seq, sender_id, client_id, text)
           SELECT $1, g, $2, gen_random_uuid(), repeat('x', 100) FROM generate_series(1, 450) g`,
          [id, reader.id],
        );
        await db.query("UPDATE chats SET last_seq = 450 WHERE id = $1", [id]);
      }
      const s = await socket(b, reader);
      const dup = await s.request("sync", {
        chats: Array.from({ length: 1000 }, () => ({ chat_id: chatIds[0], after_seq: 400 })),
        limit: 500,
      });
      expect(dup.chats.map((c) => [c.chat_id, c.messages.length])).to.deep.equal([[chatIds[0], 50]]);

      const all = await s.request("sync", {
        chats: chatIds.map((chat_id) => ({ chat_id, after_seq: 0 })),
        limit: 500,
      });
      const sizes = all.chats.map((c) => [c.messages.length, c.has_more]);
      expect(sizes).to.deep.equal([
        [450, false],
        [450, false],
        [100, true],
      ]);
      const rest = await s.request("sync", { chats: [{ chat_id: chatIds[2], after_seq: 100 }], limit: 500 });
      expect(rest.chats[0].messages.map((m) => m.seq)).to.deep.equal(
        Array.from({ length: 350 }, (_, i) => 101 + i),
      );
    });
  });

  describe("socket connections", () => {
    it("per user: 3 per minute across the cluster, the 4th gets connect_error rate_limited", async () => {
      const user = await person("Hopper");
      const got: string[] = [];
      for (const node of [a, b, a, b]) got.push(await handshake(node.url, user.token, { ip: freshIp() }));
      expect(got).to.deep.equal(["connected", "connected", "connected", "rate_limited"]);
    });

    it("per address (X-Forwarded-For from the proxy): 5 per minute, then rate_limited; other addresses connect", async () => {
      const crowd = await Promise.all(Array.from({ length: 7 }, (_, i) => person(`Crowd${i}`)));
      const ip = freshIp();
      const got: string[] = [];
      for (const [i, user] of crowd.slice(0, 6).entries())
        got.push(await handshake(nodes()[i % 2].url, user.token, { ip }));
      expect(got).to.deep.equal([
        "connected",
        "connected",
        "connected",
        "connected",
        "connected",
        "rate_limited",
      ]);
      expect(await handshake(b.url, crowd[6].token, { ip: freshIp() })).to.equal("connected");
    });
  });
});
