/**
 * Delivery coalescing (src/realtime/message-batch.ts): the new messages of one chat made visible in one
 * tick leave as one `message:batch` to connections that opted in (ChatSocket does) and as `message:new`
 * one by one to plain connections — on one node (in-memory adapter) and across nodes (Redis adapter).
 */
import { expect } from "chai";
import crypto from "node:crypto";
import type { Message } from "@chat/client";
import { serverEvents } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useCluster } from "../cluster/cluster-fixture.ts";
import { delivered, useDevices, type Devices, type RawSocket } from "../cluster/devices.ts";

const BURST = 40;

/** What a raw connection got: each event in arrival order, batches kept whole. */
function tape(s: RawSocket) {
  const events: Array<{ event: "message:new"; m: Message } | { event: "message:batch"; ms: Message[] }> = [];
  s.on("message:new", (m) => events.push({ event: "message:new", m }));
  s.on("message:batch", (b) => {
    // Every batch is what the protocol's schema says: one chat, two or more, in seq order.
    expect(serverEvents["message:batch"].parse(b)).to.deep.equal(b);
    expect(b.messages.every((m) => m.chat_id === b.chat_id)).to.equal(true);
    expect(b.messages.map((m) => m.seq)).to.deep.equal(b.messages.map((m) => m.seq).sort((x, y) => x - y));
    events.push({ event: "message:batch", ms: b.messages });
  });
  const messages = () => events.flatMap((e) => (e.event === "message:new" ? [e.m] : e.ms));
  return { events, messages };
}

/** A burst of sends at once from `senderUrl`; devices on `batchUrl` (opted in) and `plainUrl` (not). */
async function burst(senderUrl: string, batchUrl: string, plainUrl: string, devices: Devices) {
  const u = await createUser(senderUrl, "Sender");
  const v = await createUser(batchUrl, "Reader");
  const chatId = await createGroup(senderUrl, u, [v]);
  const sender = await devices.raw(senderUrl, u.token, true);
  const batched = await devices.raw(batchUrl, v.token, true);
  const plain = await devices.raw(plainUrl, v.token);
  const app = await devices.connect(batchUrl, v); // ChatSocket: opts in and hands the app each message once
  const got = { batched: tape(batched), plain: tape(plain) };
  const inApp = delivered(app);

  // All at once: the first send is written alone, the rest wait and share the next group commit.
  const acks = await Promise.all(
    Array.from(
      { length: BURST },
      (_, i) =>
        new Promise<Message>((resolve, reject) =>
          sender.emit(
            "message:send",
            { chat_id: chatId, client_id: crypto.randomUUID(), text: `m${i}` },
            (r) => (r.ok ? resolve(r.data.message) : reject(new Error(r.error.code))),
          ),
        ),
    ),
  );
  const ids = acks.map((m) => m.id).sort((a, b) => a - b);
  await eventually(() => {
    expect(got.batched.messages().map((m) => m.id)).to.have.members(ids);
    expect(got.plain.messages().map((m) => m.id)).to.have.members(ids);
    expect(inApp.map((m) => m.id)).to.deep.equal(ids);
  });
  return { got, ids };
}

function expectCoalescedAndPlain(got: Awaited<ReturnType<typeof burst>>["got"], ids: number[]) {
  // Opted in: at least one batch, every message exactly once.
  expect(got.batched.events.some((e) => e.event === "message:batch")).to.equal(true);
  expect(got.batched.messages()).to.have.length(BURST);
  // Plain: never a batch; every message once, as message:new, in seq order.
  expect(got.plain.events.every((e) => e.event === "message:new")).to.equal(true);
  expect(got.plain.messages().map((m) => m.id)).to.deep.equal(ids);
  expect(got.plain.messages().map((m) => m.seq)).to.deep.equal(ids.map((_, i) => i + 1));
}

describe("message:batch on one node (in-memory adapter)", () => {
  const node = useNode();
  const devices = useDevices();

  it(`a burst of ${BURST}: batches to the opted-in connection, message:new one by one to the plain one`, async () => {
    const { got, ids } = await burst(node.url, node.url, node.url, devices);
    expectCoalescedAndPlain(got, ids);
  });

  it("a lone message is a plain message:new for everyone", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const batched = tape(await devices.raw(node.url, v.token, true));
    const sender = await devices.raw(node.url, u.token, true);
    await new Promise((r) =>
      sender.emit("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: "alone" }, r),
    );
    await eventually(() => expect(batched.events.map((e) => e.event)).to.deep.equal(["message:new"]));
  });

  it("`batch` other than true in the handshake is a plain connection", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const odd = tape(await devices.raw(node.url, v.token, "yes" as unknown as boolean));
    const sender = await devices.raw(node.url, u.token, true);
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          new Promise((r) =>
            sender.emit("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: `${i}` }, r),
          ),
      ),
    );
    await eventually(() => expect(odd.messages()).to.have.length(20));
    expect(odd.events.every((e) => e.event === "message:new")).to.equal(true);
  });
});

describe("message:batch across nodes (Redis adapter)", () => {
  const c = useCluster();

  it(`a burst of ${BURST} sent on one node: the other node batches or unbatches per connection`, async () => {
    const { got, ids } = await burst(c.urls[0], c.urls[1], c.urls[1], c.devices);
    expectCoalescedAndPlain(got, ids);
  });
});
