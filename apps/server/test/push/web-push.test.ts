/**
 * Web Push (issue 18, item 4) against a local push-service stand-in: the request is decrypted
 * with the subscription's keys as a browser would, its VAPID signature checked; mute, mentions,
 * a device looking at the chat, 410 and a stalled push service.
 */
import { expect } from "chai";
import request from "supertest";
import webpush from "web-push";
import { pino } from "pino";
import { messagePush } from "../../src/push/message-push.ts";
import { PushPayloadSchema } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useDevices } from "../cluster/devices.ts";
import {
  startPushService,
  verifyVapid,
  type BrowserSubscription,
  type PushService,
} from "../support/push-service.ts";

const VAPID = webpush.generateVAPIDKeys();
const SUBJECT = "mailto:ops@example.test";

describe("Web Push: a local push service receives encrypted pushes", () => {
  const node = useNode({
    VAPID_PUBLIC_KEY: VAPID.publicKey,
    VAPID_PRIVATE_KEY: VAPID.privateKey,
    VAPID_SUBJECT: SUBJECT,
    PUSH_TIMEOUT_MS: "600",
  });
  const devices = useDevices();
  let service: PushService;
  before(async () => {
    service = await startPushService();
  });
  after(() => service?.close());

  const subscribe = async (user: TestUser, sub: BrowserSubscription) =>
    request(node.url)
      .post("/api/v1/push/subscriptions")
      .set(user.auth)
      .send({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys })
      .expect(201);
  const send = (from: TestUser, chatId: number, text: string) =>
    request(node.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(from.auth)
      .send({ client_id: crypto.randomUUID(), text })
      .expect(201);
  const mute = (user: TestUser, chatId: number, until: string | null) =>
    request(node.url).put(`/api/v1/chats/${chatId}/mute`).set(user.auth).send({ until }).expect(200);
  /** The payloads one subscription received, decrypted. */
  const payloads = (sub: BrowserSubscription) =>
    service
      .at(new URL(sub.endpoint).pathname)
      .map((r) => PushPayloadSchema.parse(JSON.parse(sub.decrypt(r.body))));
  const settled = () => node.push!.idle();

  async function trio(name: string) {
    const a = await createUser(node.url, "Alice");
    const b = await createUser(node.url, "Bob");
    const chatId = await createGroup(node.url, a, [b], name);
    const sub = service.subscription(crypto.randomUUID());
    await subscribe(b, sub);
    return { a, b, chatId, sub };
  }

  it("documents the push routes in /openapi.json", async () => {
    const doc = (await request(node.url).get("/openapi.json").expect(200)).body;
    expect(doc.paths).to.include.keys(
      "/api/v1/push/vapid-public-key",
      "/api/v1/push/subscriptions",
      "/api/v1/chats/{chat_id}/mute",
    );
  });

  it("serves the VAPID public key to signed-in users only", async () => {
    const u = await createUser(node.url, "U");
    const res = await request(node.url).get("/api/v1/push/vapid-public-key").set(u.auth).expect(200);
    expect(res.body).to.deep.equal({ public_key: VAPID.publicKey });
    await request(node.url).get("/api/v1/push/vapid-public-key").expect(401);
  });

  it("a member's subscription gets one push per message: VAPID-signed, decryptable, with sender, chat, preview", async () => {
    const { a, chatId, sub } = await trio("Team");
    const m = (await send(a, chatId, "Hello   there,\nBob")).body.message;
    await settled();
    const got = service.at(new URL(sub.endpoint).pathname);
    expect(got).to.have.length(1);
    const req = got[0];
    expect(req.headers["content-encoding"]).to.equal("aes128gcm");
    expect(Number(req.headers.ttl)).to.be.greaterThan(0);
    expect(verifyVapid(req, VAPID.publicKey, service.url).sub).to.equal(SUBJECT);
    expect(payloads(sub)).to.deep.equal([
      {
        type: "message",
        chat_id: chatId,
        message_id: m.id,
        seq: m.seq,
        sender_name: "Alice",
        chat_name: "Team",
        preview: "Hello there, Bob",
        encrypted: false,
        mention: false,
      },
    ]);
    // The sender's own subscription gets nothing of its own message.
    const own = service.subscription(crypto.randomUUID());
    await subscribe(a, own);
    await send(a, chatId, "again");
    await settled();
    expect(payloads(own)).to.deep.equal([]);
    expect(payloads(sub)).to.have.length(2);
  });

  it("a long text is cut to a short preview", async () => {
    const { a, chatId, sub } = await trio("Long");
    await send(a, chatId, "ж".repeat(1000));
    await settled();
    const [p] = payloads(sub);
    expect([...p.preview]).to.have.length(120);
    expect(p.preview.endsWith("…")).to.equal(true);
  });

  it("a muted chat pushes nothing; an @mention of me in it does; unmuting pushes again", async () => {
    const { a, b, chatId, sub } = await trio("Muted");
    expect((await mute(b, chatId, "forever")).body).to.deep.equal({
      chat_id: chatId,
      muted_until: "forever",
    });
    await send(a, chatId, "quiet");
    await send(a, chatId, "hi @bobby (not Bob)");
    await settled();
    expect(payloads(sub)).to.deep.equal([]);
    await send(a, chatId, "look @bob!");
    await settled();
    expect(payloads(sub).map((p) => [p.preview, p.mention])).to.deep.equal([["look @bob!", true]]);
    // Muted until a time already past: not muted.
    const past = new Date(Date.now() - 60_000).toISOString();
    expect((await mute(b, chatId, past)).body.muted_until).to.equal(past);
    await send(a, chatId, "past");
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await mute(b, chatId, future);
    await send(a, chatId, "future");
    await mute(b, chatId, null);
    await send(a, chatId, "unmuted");
    await settled();
    expect(payloads(sub).map((p) => p.preview)).to.deep.equal(["look @bob!", "past", "unmuted"]);
  });

  it("no push to a session whose device shows the chat (presence:viewing); pushes again once it looks away", async () => {
    const { a, b, chatId, sub } = await trio("Viewing");
    const other = await createGroup(node.url, a, [b], "Other");
    const s = await devices.raw(node.url, b.token);
    const viewing = (chat_id: number | null) => s.emitWithAck("presence:viewing", { chat_id });
    expect(await viewing(chatId)).to.deep.equal({ ok: true, data: { chat_id: chatId } });
    await send(a, chatId, "seen live");
    await send(a, other, "other chat");
    await settled();
    expect(payloads(sub).map((p) => p.preview)).to.deep.equal(["other chat"]);
    await viewing(null);
    await send(a, chatId, "tab hidden");
    await settled();
    expect(payloads(sub).map((p) => p.preview)).to.deep.equal(["other chat", "tab hidden"]);
    // Another session of the same user (a phone) is not the device looking: it gets its push.
    const phone = await createUser(node.url, "ignored", { email: b.email }).catch(() => undefined);
    expect(phone).to.equal(undefined); // the email is taken: log in again instead
    const tok = await request(node.url)
      .post("/api/v1/token")
      .type("form")
      .send({ username: b.email, password: b.password })
      .expect(200);
    const phoneSub = service.subscription(crypto.randomUUID());
    await subscribe({ ...b, auth: { Authorization: `Bearer ${tok.body.access_token}` } }, phoneSub);
    await viewing(chatId);
    await send(a, chatId, "laptop sees it");
    await settled();
    expect(payloads(phoneSub).map((p) => p.preview)).to.deep.equal(["laptop sees it"]);
    expect(payloads(sub).map((p) => p.preview)).to.deep.equal(["other chat", "tab hidden"]);
    // A chat I am not in cannot be "viewed".
    const stranger = await createUser(node.url, "S");
    const theirs = await createGroup(node.url, stranger, [], "Theirs");
    const refused = (await viewing(theirs)) as { ok: boolean; error?: { code: string } };
    expect(refused.ok).to.equal(false);
    expect(refused.error?.code).to.equal("not_a_member");
  });

  it("the client library's viewing() is told again after a reconnect", async () => {
    const { a, b, chatId, sub } = await trio("Reconnect");
    const sb = await devices.connect(node.url, b);
    await sb.viewing(chatId);
    // A transport cut: socket.io-client reconnects with a new socket, which must hear it again.
    sb.socket.io.engine.close();
    await eventually(async () =>
      expect((await node.io.in(`viewing:${chatId}`).fetchSockets()).map((s) => s.id)).to.deep.equal([
        sb.socket.id,
      ]),
    );
    await send(a, chatId, "after reconnect");
    await settled();
    expect(payloads(sub)).to.deep.equal([]);
    await sb.viewing(null);
    await send(a, chatId, "hidden");
    await settled();
    expect(payloads(sub).map((p) => p.preview)).to.deep.equal(["hidden"]);
  });

  it("a 410 (or 404) from the push service removes the subscription", async () => {
    const { a, chatId, sub } = await trio("Gone");
    service.answer(new URL(sub.endpoint).pathname, 410);
    await send(a, chatId, "one");
    await settled();
    const count = async () =>
      Number(
        (
          await node.db.pool.query("SELECT count(*) FROM push_subscriptions WHERE endpoint = $1", [
            sub.endpoint,
          ])
        ).rows[0].count,
      );
    expect(await count()).to.equal(0);
    await send(a, chatId, "two");
    await settled();
    expect(service.at(new URL(sub.endpoint).pathname)).to.have.length(1);
  });

  it("an encrypted chat's message is pushed without content", async () => {
    // The decision alone, fed an MLS application message as mls:send stores it (its text is MLS bytes).
    const { a, chatId, sub } = await trio("Secret");
    const hook = messagePush({
      db: node.db,
      sender: node.push!.sender,
      viewing: async () => new Set(),
      log: pino({ level: "silent" }),
    });
    hook.stored({
      id: 424242,
      chat_id: chatId,
      seq: 7,
      sender_id: a.id,
      client_id: crypto.randomUUID(),
      text: "",
      created_at: new Date().toISOString(),
      edited_at: null,
      deleted_at: null,
      mls: {
        kind: "application",
        epoch: 1,
        device_id: null,
        data: Buffer.from("@bob secret").toString("base64"),
      },
    });
    await hook.idle();
    expect(payloads(sub)).to.deep.equal([
      {
        type: "message",
        chat_id: chatId,
        message_id: 424242,
        seq: 7,
        sender_name: "Alice",
        chat_name: "Secret",
        preview: "New encrypted message",
        encrypted: true,
        mention: false,
      },
    ]);
  });

  it("a stalled push service does not slow sends; its pushes time out", async () => {
    const { a, chatId, sub } = await trio("Stall");
    service.answer(new URL(sub.endpoint).pathname, "stall");
    const before = node.push!.sender.counts.timedOut;
    const sa = await devices.connect(node.url, a);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await sa.send(chatId, `m${i}`);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    // Each push hangs for PUSH_TIMEOUT_MS (600 ms); the acks do not wait for them.
    expect(times[times.length - 1], `ack latencies ${times.join(",")}`).to.be.lessThan(300);
    await eventually(() => expect(node.push!.sender.counts.timedOut - before).to.equal(20), 10_000);
  });

  it("a subscription ends with its session (logout)", async () => {
    const { a, b, chatId, sub } = await trio("Logout");
    await request(node.url).post("/api/v1/auth/logout").set(b.auth).expect(200);
    await send(a, chatId, "after logout");
    await settled();
    expect(payloads(sub)).to.deep.equal([]);
  });

  it("unsubscribe removes only my own subscription", async () => {
    const { a, b, chatId, sub } = await trio("Unsub");
    const q = `/api/v1/push/subscriptions?endpoint=${encodeURIComponent(sub.endpoint)}`;
    expect((await request(node.url).delete(q).set(a.auth).expect(200)).body).to.deep.equal({
      removed: false,
    });
    expect((await request(node.url).delete(q).set(b.auth).expect(200)).body).to.deep.equal({ removed: true });
    await send(a, chatId, "after unsubscribe");
    await settled();
    expect(payloads(sub)).to.deep.equal([]);
  });

  it("refuses bad subscriptions and mutes with a 400", async () => {
    const u = await createUser(node.url, "Bad");
    const chatId = await createGroup(node.url, u, [], "Mine");
    const good = service.subscription("x");
    const bad = [
      { endpoint: "ftp://127.0.0.1/x", keys: good.keys },
      { endpoint: "not a url", keys: good.keys },
      { endpoint: `http://127.0.0.1/${"a".repeat(2100)}`, keys: good.keys },
      { endpoint: "http://user:pw@127.0.0.1/x", keys: good.keys },
      { endpoint: good.endpoint, keys: { ...good.keys, p256dh: "short" } },
      { endpoint: good.endpoint, keys: { ...good.keys, auth: "+/=" } },
      { endpoint: good.endpoint, keys: good.keys, extra: 1 },
    ];
    for (const body of bad) {
      const res = await request(node.url).post("/api/v1/push/subscriptions").set(u.auth).send(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
    }
    for (const until of ["tomorrow", 5, "forever!", ""]) {
      const res = await request(node.url).put(`/api/v1/chats/${chatId}/mute`).set(u.auth).send({ until });
      expect(res.status).to.equal(400);
    }
    // The same endpoint again: kept once (200).
    await request(node.url).post("/api/v1/push/subscriptions").set(u.auth).send(good).expect(201);
    await request(node.url).post("/api/v1/push/subscriptions").set(u.auth).send(good).expect(200);
  });
});
