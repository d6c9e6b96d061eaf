/**
 * Web Push across two nodes: only the node that stored a message pushes it (one push per
 * subscription), and a device showing the chat on the other node keeps it from being pushed.
 */
import { expect } from "chai";
import request from "supertest";
import webpush from "web-push";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { useDevices } from "../cluster/devices.ts";
import { eventually } from "../support/wait.ts";
import { startPushService, type BrowserSubscription, type PushService } from "../support/push-service.ts";

const VAPID = webpush.generateVAPIDKeys();

describe("Web Push on two nodes", () => {
  const nodes = useTwoNodes({
    VAPID_PUBLIC_KEY: VAPID.publicKey,
    VAPID_PRIVATE_KEY: VAPID.privateKey,
    VAPID_SUBJECT: "mailto:ops@example.test",
  });
  const devices = useDevices();
  let service: PushService;
  before(async () => {
    service = await startPushService();
  });
  after(() => service?.close());

  const subscribe = (url: string, user: TestUser, sub: BrowserSubscription) =>
    request(url)
      .post("/api/v1/push/subscriptions")
      .set(user.auth)
      .send({ endpoint: sub.endpoint, keys: sub.keys })
      .expect(201);
  const send = (url: string, from: TestUser, chatId: number, text: string) =>
    request(url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(from.auth)
      .send({ client_id: crypto.randomUUID(), text })
      .expect(201);
  const settled = () => Promise.all([nodes.a.push!.idle(), nodes.b.push!.idle()]);
  const previews = (sub: BrowserSubscription) =>
    service
      .at(new URL(sub.endpoint).pathname)
      .map((r) => (JSON.parse(sub.decrypt(r.body)) as { preview: string }).preview);

  it("each message is pushed once per subscription, by the node that stored it", async () => {
    const { a, b } = nodes;
    const alice = await createUser(a.url, "Alice");
    const bob = await createUser(a.url, "Bob");
    const chatId = await createGroup(a.url, alice, [bob], "Pair");
    const laptop = service.subscription(crypto.randomUUID());
    await subscribe(b.url, bob, laptop);
    // Bob's socket on node b, in the chat's room: its node must not push too.
    await devices.connect(b.url, bob);
    await send(a.url, alice, chatId, "from a");
    await send(b.url, alice, chatId, "from b");
    await settled();
    expect(previews(laptop)).to.have.members(["from a", "from b"]);
    expect(previews(laptop)).to.have.length(2);
  });

  it("a device showing the chat on node b keeps node a from pushing to its session", async () => {
    const { a, b } = nodes;
    const alice = await createUser(a.url, "Alice");
    const bob = await createUser(a.url, "Bob");
    const chatId = await createGroup(a.url, alice, [bob], "Looking");
    const laptop = service.subscription(crypto.randomUUID());
    await subscribe(a.url, bob, laptop);
    const s = await devices.raw(b.url, bob.token);
    expect(await s.emitWithAck("presence:viewing", { chat_id: chatId })).to.deep.equal({
      ok: true,
      data: { chat_id: chatId },
    });
    await send(a.url, alice, chatId, "seen on b");
    await settled();
    expect(previews(laptop)).to.deep.equal([]);
    await s.emitWithAck("presence:viewing", { chat_id: null });
    await send(a.url, alice, chatId, "b looks away");
    await settled();
    expect(previews(laptop)).to.deep.equal(["b looks away"]);
    // The socket goes: its session is not looking any more.
    await s.emitWithAck("presence:viewing", { chat_id: chatId });
    s.disconnect();
    await eventually(async () => expect(await b.io.in(`viewing:${chatId}`).fetchSockets()).to.have.length(0));
    await send(a.url, alice, chatId, "b closed");
    await settled();
    expect(previews(laptop)).to.deep.equal(["b looks away", "b closed"]);
  });
});
