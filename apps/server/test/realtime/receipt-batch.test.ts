/**
 * Read-receipt coalescing (src/realtime/receipt-batch.ts): the reads of one chat known in one tick leave
 * as one `receipt:batch` to connections that opted in (ChatSocket hands its app one `receipt:read` per
 * entry) and as `receipt:read` one by one, in the same order, to plain connections — on one node
 * (in-memory adapter) and across nodes (Redis adapter). `receipt:fully_read` is not coalesced: the
 * sender's devices get each message id exactly once.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import { serverEvents, type ServerEventPayload } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useCluster } from "../cluster/cluster-fixture.ts";
import { record, useDevices, type Devices, type RawSocket } from "../cluster/devices.ts";
import { receiptCoalescer } from "../../src/realtime/receipt-batch.ts";

const READERS = 12;
type Cursor = { user_id: number; last_read_seq: number };

/** What a raw connection got: each receipt frame in arrival order, batches kept whole. */
function tape(s: RawSocket, chatId: number) {
  const frames: Array<{ event: "receipt:read" | "receipt:batch"; reads: Cursor[] }> = [];
  s.on("receipt:read", (r) => {
    expect(serverEvents["receipt:read"].parse(r)).to.deep.equal(r);
    expect(r.chat_id).to.equal(chatId);
    frames.push({ event: "receipt:read", reads: [{ user_id: r.user_id, last_read_seq: r.last_read_seq }] });
  });
  s.on("receipt:batch", (b) => {
    // Every batch is what the protocol's schema says: one chat, two or more readers, each once.
    expect(serverEvents["receipt:batch"].parse(b)).to.deep.equal(b);
    expect(b.chat_id).to.equal(chatId);
    expect(new Set(b.reads.map((r) => r.user_id)).size).to.equal(b.reads.length);
    frames.push({ event: "receipt:batch", reads: b.reads });
  });
  const reads = () => frames.flatMap((f) => f.reads);
  return { frames, reads };
}

/**
 * A group of a sender and READERS readers (on `readerUrl`); one message; then every reader marks it
 * read at once. A watcher (the sender) listens on `watchUrl` with an opted-in raw connection, a plain
 * one and a ChatSocket.
 */
async function readAtOnce(senderUrl: string, readerUrl: string, watchUrl: string, devices: Devices) {
  const s = await createUser(senderUrl, "S");
  const readers: TestUser[] = [];
  for (let i = 0; i < READERS; i++) readers.push(await createUser(readerUrl, `R${i}`));
  const chatId = await createGroup(senderUrl, s, readers);
  const batched = tape(await devices.raw(watchUrl, s.token, true), chatId);
  const plain = tape(await devices.raw(watchUrl, s.token), chatId);
  const app = await devices.connect(watchUrl, s);
  const inApp: ServerEventPayload<"receipt:read">[] = [];
  app.on("receipt:read", (r) => inApp.push(r));
  const fully = record(app, "receipt:fully_read");
  const sockets = await Promise.all(readers.map((r) => devices.raw(readerUrl, r.token, true)));

  const sent = await app.send(chatId, "read me");
  await Promise.all(
    sockets.map(
      (sock) =>
        new Promise<void>((resolve, reject) =>
          sock.emit("message:read", { chat_id: chatId, seq: 1 }, (r) =>
            r.ok ? resolve() : reject(new Error(r.error.code)),
          ),
        ),
    ),
  );
  const everyone = readers.map((r) => r.id).sort((a, b) => a - b);
  await eventually(() => {
    for (const got of [batched.reads(), plain.reads(), inApp])
      expect(got.map((r) => r.user_id).sort((a, b) => a - b)).to.deep.equal(everyone);
    expect(fully).to.have.length(1);
  });
  return { chatId, batched, plain, inApp, fully, messageId: sent.message.id };
}

function expectCoalescedAndPlain(got: Awaited<ReturnType<typeof readAtOnce>>) {
  // Opted in: fewer frames than reads (the receipts group commit resolves them together), each read once.
  expect(got.batched.frames.some((f) => f.event === "receipt:batch")).to.equal(true);
  expect(got.batched.frames.length).to.be.below(READERS);
  expect(got.batched.reads()).to.have.length(READERS);
  // Plain: never a batch; one receipt:read per read, in the order the batches carry them.
  expect(got.plain.frames.every((f) => f.event === "receipt:read")).to.equal(true);
  expect(got.plain.reads()).to.deep.equal(got.batched.reads());
  // ChatSocket: one local receipt:read per cursor, in the same order.
  expect(got.inApp.map(({ user_id, last_read_seq }) => ({ user_id, last_read_seq }))).to.deep.equal(
    got.batched.reads(),
  );
  expect(got.inApp.every((r) => r.chat_id === got.chatId && r.last_read_seq === 1)).to.equal(true);
  // Fully read: once, when the last reader read (not coalesced).
  expect(got.fully).to.deep.equal([{ chat_id: got.chatId, message_ids: [got.messageId], up_to_seq: 1 }]);
}

describe("receiptCoalescer", () => {
  it("N reads of a chat in one tick: one receipt:batch with each reader's latest cursor, in first-read order", async () => {
    const emitted: Array<[number, string, unknown]> = [];
    const deliver = receiptCoalescer((chatId, event, payload) => emitted.push([chatId, event, payload]));
    deliver({ chat_id: 1, user_id: 10, last_read_seq: 3 });
    deliver({ chat_id: 1, user_id: 11, last_read_seq: 2 });
    deliver({ chat_id: 2, user_id: 10, last_read_seq: 7 });
    deliver({ chat_id: 1, user_id: 10, last_read_seq: 5 });
    deliver({ chat_id: 1, user_id: 11, last_read_seq: 1 }); // an older cursor arriving late changes nothing
    expect(emitted).to.deep.equal([]);
    await new Promise((r) => process.nextTick(r));
    expect(emitted).to.deep.equal([
      [
        1,
        "receipt:batch",
        {
          chat_id: 1,
          reads: [
            { user_id: 10, last_read_seq: 5 },
            { user_id: 11, last_read_seq: 2 },
          ],
        },
      ],
      [2, "receipt:read", { chat_id: 2, user_id: 10, last_read_seq: 7 }],
    ]);
    // The next tick starts afresh.
    deliver({ chat_id: 1, user_id: 12, last_read_seq: 5 });
    await new Promise((r) => process.nextTick(r));
    expect(emitted[2]).to.deep.equal([1, "receipt:read", { chat_id: 1, user_id: 12, last_read_seq: 5 }]);
  });

  it("with a window (RECEIPT_BATCH_MS): reads of later ticks within it join the same batch", async () => {
    const emitted: Array<[number, string, unknown]> = [];
    const deliver = receiptCoalescer((chatId, event, payload) => emitted.push([chatId, event, payload]), 30);
    deliver({ chat_id: 1, user_id: 10, last_read_seq: 3 });
    await new Promise((r) => setTimeout(r, 5));
    deliver({ chat_id: 1, user_id: 11, last_read_seq: 4 });
    await new Promise((r) => process.nextTick(r));
    expect(emitted).to.deep.equal([]);
    await eventually(() => expect(emitted).to.have.length(1), 1000, 5);
    expect(emitted[0][2]).to.deep.equal({
      chat_id: 1,
      reads: [
        { user_id: 10, last_read_seq: 3 },
        { user_id: 11, last_read_seq: 4 },
      ],
    });
  });
});

describe("receipt:batch on one node (in-memory adapter)", () => {
  const node = useNode();
  const devices = useDevices();

  it(`${READERS} reads at once: batches to the opted-in connection, receipt:read one by one to the plain one`, async () => {
    expectCoalescedAndPlain(await readAtOnce(node.url, node.url, node.url, devices));
  });

  it("a lone read is a plain receipt:read for everyone", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const batched = tape(await devices.raw(node.url, u.token, true), chatId);
    const reader = await devices.raw(node.url, v.token, true);
    await new Promise((r) =>
      reader.emit("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: "x" }, r),
    );
    await new Promise((r) => reader.emit("message:read", { chat_id: chatId, seq: 1 }, r));
    await eventually(() => expect(batched.frames.map((f) => f.event)).to.deep.equal(["receipt:read"]));
  });
});

describe("receipt:batch with a window (RECEIPT_BATCH_MS=500)", () => {
  const node = useNode({ RECEIPT_BATCH_MS: "500" });
  const devices = useDevices();

  it("two reads one after the other (separate group commits) arrive as one batch", async () => {
    const s = await createUser(node.url, "S");
    const a = await createUser(node.url, "A");
    const b = await createUser(node.url, "B");
    const chatId = await createGroup(node.url, s, [a, b]);
    const batched = tape(await devices.raw(node.url, s.token, true), chatId);
    const plain = tape(await devices.raw(node.url, s.token), chatId);
    const sender = await devices.raw(node.url, s.token, true);
    await new Promise((r) =>
      sender.emit("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: "x" }, r),
    );
    for (const reader of [a, b]) {
      const sock = await devices.raw(node.url, reader.token, true);
      await new Promise((r) => sock.emit("message:read", { chat_id: chatId, seq: 1 }, r));
    }
    const both = [
      { user_id: a.id, last_read_seq: 1 },
      { user_id: b.id, last_read_seq: 1 },
    ];
    await eventually(() => expect(batched.frames).to.deep.equal([{ event: "receipt:batch", reads: both }]));
    await eventually(() => expect(plain.reads()).to.deep.equal(both));
    expect(plain.frames.map((f) => f.event)).to.deep.equal(["receipt:read", "receipt:read"]);
  });
});

describe("receipt:batch across nodes (Redis adapter)", () => {
  const c = useCluster();

  it(`${READERS} reads at once on one node: the other node batches or unbatches per connection`, async () => {
    expectCoalescedAndPlain(await readAtOnce(c.urls[0], c.urls[1], c.urls[2], c.devices));
  });
});
