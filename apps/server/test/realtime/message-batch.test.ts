/**
 * Delivery coalescing (src/realtime/message-batch.ts): the new messages of one chat made visible in one
 * tick leave as one `message:batch` to connections that opted in (ChatSocket does) and as `message:new`
 * one by one to plain connections — on one node (in-memory adapter) and across nodes (Redis adapter).
 */
import { expect } from "chai";
import crypto from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { Message } from "@chat/client";
import { serverEvents, type ClientToServerEvents, type ServerToClientEvents } from "@chat/protocol";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { cluster } from "../cluster/cluster-fixture.ts";
import { delivered, Devices } from "../cluster/devices.ts";

type Raw = Socket<ServerToClientEvents, ClientToServerEvents>;
const BURST = 40;

async function rawSocket(url: string, token: string, batch?: boolean): Promise<Raw> {
  const s: Raw = io(url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    auth: batch === undefined ? { token } : { token, batch },
  });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", reject);
  });
  return s;
}

/** What a raw connection got: each event in arrival order, batches kept whole. */
function tape(s: Raw) {
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
async function burst(senderUrl: string, batchUrl: string, plainUrl: string, raws: Raw[], devices: Devices) {
  const u = await createUser(senderUrl, "Sender");
  const v = await createUser(batchUrl, "Reader");
  const chatId = await createGroup(senderUrl, u, [v]);
  const sender = await rawSocket(senderUrl, u.token, true);
  const batched = await rawSocket(batchUrl, v.token, true);
  const plain = await rawSocket(plainUrl, v.token);
  const app = await devices.connect(batchUrl, v); // ChatSocket: opts in and hands the app each message once
  raws.push(sender, batched, plain);
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
  let node: TestNode;
  const devices = new Devices();
  const raws: Raw[] = [];
  before(async () => {
    node = await startTestNode();
  });
  afterEach(() => {
    devices.closeAll();
    for (const s of raws.splice(0)) s.close();
  });
  after(() => node.close());

  it(`a burst of ${BURST}: batches to the opted-in connection, message:new one by one to the plain one`, async () => {
    const { got, ids } = await burst(node.url, node.url, node.url, raws, devices);
    expectCoalescedAndPlain(got, ids);
  });

  it("a lone message is a plain message:new for everyone", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const batched = tape(await rawSocket(node.url, v.token, true));
    const sender = await rawSocket(node.url, u.token, true);
    raws.push(sender);
    await new Promise((r) =>
      sender.emit("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: "alone" }, r),
    );
    await eventually(() => expect(batched.events.map((e) => e.event)).to.deep.equal(["message:new"]));
  });

  it("`batch` other than true in the handshake is a plain connection", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const odd = tape(await rawSocket(node.url, v.token, "yes" as unknown as boolean));
    const sender = await rawSocket(node.url, u.token, true);
    raws.push(sender);
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
  const devices = new Devices();
  const raws: Raw[] = [];
  let urls: string[];
  before(async function () {
    this.timeout(60_000);
    urls = (await cluster()).urls;
  });
  afterEach(() => {
    devices.closeAll();
    for (const s of raws.splice(0)) s.close();
  });

  it(`a burst of ${BURST} sent on one node: the other node batches or unbatches per connection`, async () => {
    const { got, ids } = await burst(urls[0], urls[1], urls[1], raws, devices);
    expectCoalescedAndPlain(got, ids);
  });
});
