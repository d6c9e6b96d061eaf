/**
 * What Web Push leaves behind for operators and clients (issue 18): the outcomes of push requests
 * on /metrics (`chat_push_total{outcome}`), and a chat's mute in the chat list (`muted_until`).
 */
import { expect } from "chai";
import request from "supertest";
import webpush from "web-push";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { startPushService, type PushService } from "../support/push-service.ts";
import { parseProm, sampleValue } from "../ops/prom-text.ts";

const VAPID = webpush.generateVAPIDKeys();
const TOKEN = "metrics-token-for-push-tests";

describe("Web Push: metrics and the mute in the chat list", () => {
  const node = useNode({
    VAPID_PUBLIC_KEY: VAPID.publicKey,
    VAPID_PRIVATE_KEY: VAPID.privateKey,
    VAPID_SUBJECT: "mailto:ops@example.test",
    METRICS_TOKEN: TOKEN,
  });
  let service: PushService;
  before(async () => {
    service = await startPushService();
  });
  after(() => service?.close());

  const pushCount = async (outcome: string) => {
    const res = await request(node.url).get("/metrics").set("Authorization", `Bearer ${TOKEN}`).expect(200);
    return sampleValue(parseProm(res.text), "chat_push_total", { outcome }) ?? 0;
  };

  it("counts pushes sent, expired (404/410) and failed on /metrics", async () => {
    const a = await createUser(node.url, "Alice");
    const b = await createUser(node.url, "Bob");
    const chatId = await createGroup(node.url, a, [b], "Counted");
    const before = {
      sent: await pushCount("sent"),
      expired: await pushCount("expired"),
      failed: await pushCount("failed"),
    };
    service.answer("/push/gone-", 410);
    service.answer("/push/bad-", 500);
    for (const name of [
      `ok-${crypto.randomUUID()}`,
      `gone-${crypto.randomUUID()}`,
      `bad-${crypto.randomUUID()}`,
    ]) {
      const sub = service.subscription(name);
      await request(node.url)
        .post("/api/v1/push/subscriptions")
        .set(b.auth)
        .send({ endpoint: sub.endpoint, keys: sub.keys })
        .expect(201);
    }
    await request(node.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(a.auth)
      .send({ client_id: crypto.randomUUID(), text: "count me" })
      .expect(201);
    await node.push!.idle();
    expect(await pushCount("sent")).to.equal(before.sent + 1);
    expect(await pushCount("expired")).to.equal(before.expired + 1);
    expect(await pushCount("failed")).to.equal(before.failed + 1);
  });

  it("the chat list and the chat say muted_until: forever, a time, or null", async () => {
    const a = await createUser(node.url, "Ann");
    const b = await createUser(node.url, "Ben");
    const chatId = await createGroup(node.url, a, [b], "Quiet");
    const mutedOf = async () => {
      const list = await request(node.url).get("/api/v1/chats").set(a.auth).expect(200);
      const one = await request(node.url).get(`/api/v1/chats/${chatId}`).set(a.auth).expect(200);
      const fromList = list.body.chats.find((c: { id: number }) => c.id === chatId).muted_until;
      expect(one.body.muted_until).to.deep.equal(fromList);
      return fromList as unknown;
    };
    expect(await mutedOf()).to.equal(null);
    const mute = (until: string | null) =>
      request(node.url).put(`/api/v1/chats/${chatId}/mute`).set(a.auth).send({ until }).expect(200);
    await mute("forever");
    expect(await mutedOf()).to.equal("forever");
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await mute(later);
    expect(await mutedOf()).to.equal(later);
    // A mute that has run out is no mute.
    await mute(new Date(Date.now() - 1000).toISOString());
    expect(await mutedOf()).to.equal(null);
    await mute(null);
    expect(await mutedOf()).to.equal(null);
    // Ben's own view of the chat is not muted.
    const bens = await request(node.url).get(`/api/v1/chats/${chatId}`).set(b.auth).expect(200);
    expect(bens.body.muted_until).to.equal(null);
  });
});
