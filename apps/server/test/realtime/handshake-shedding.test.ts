/**
 * Issue 20, item 3: a node flooded with handshakes sheds the excess at once with a retryable
 * `unavailable` and a `retry_after_ms` instead of queueing it, and ChatSocket (packages/client)
 * backs off and gets in once the node can take it. The handshakes are held by a stalled
 * PostgreSQL (a TCP proxy that stops forwarding), so two fill HANDSHAKE_MAX_IN_FLIGHT=2. The
 * origin's plain WebSocket (/ws/…) shares the same slots.
 */
import { expect } from "chai";
import { io, type Socket } from "socket.io-client";
import { ChatSocket, refusedHandshakeDelayMs } from "@chat/client";
import type { ConnectErrorData } from "@chat/protocol";
import { freshDatabase } from "../support/db.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { startStallProxy, type StallProxy } from "../support/stall-proxy.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useOriginClients } from "../origin-ws/origin-client.ts";

/** A raw socket.io client without retries: its one handshake's outcome and how long it took. */
function handshake(
  url: string,
  token: string,
): { socket: Socket; outcome: Promise<{ ms: number; data?: ConnectErrorData }> } {
  const started = Date.now();
  const socket = io(url, { auth: { token }, forceNew: true, reconnection: false, transports: ["websocket"] });
  const outcome = new Promise<{ ms: number; data?: ConnectErrorData }>((resolve) => {
    socket.once("connect", () => resolve({ ms: Date.now() - started }));
    socket.once("connect_error", (err: Error & { data?: ConnectErrorData }) =>
      resolve({ ms: Date.now() - started, data: err.data }),
    );
  });
  return { socket, outcome };
}

const handshakeCounts = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (outcome: string) =>
    Number(
      new RegExp(`^chat_handshakes_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, "m").exec(text)?.[1],
    );
  return { admitted: count("admitted"), shed: count("shed") };
};

describe("handshake admission: a flood is shed at once, clients back off and get in", function () {
  this.timeout(60_000);
  let proxy: StallProxy;
  let node: TestNode;
  let user: TestUser;
  const sockets: Socket[] = [];
  const chatSockets: ChatSocket[] = [];
  const origin = useOriginClients();

  before(async () => {
    const direct = new URL(await freshDatabase());
    proxy = await startStallProxy(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(direct);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    node = await startTestNode({
      DATABASE_URL: viaProxy.toString(),
      HANDSHAKE_MAX_IN_FLIGHT: "2",
      HANDSHAKE_MAX_QUEUED: "0",
      // The stalled handshakes stay stalled for the whole test (until resume).
      DB_QUERY_TIMEOUT_MS: "30000",
      DB_CONNECT_TIMEOUT_MS: "30000",
    });
    user = await createUser(node.url, "storm");
  });

  after(async () => {
    proxy?.resume();
    for (const s of sockets) s.close();
    for (const c of chatSockets) c.close();
    await node?.close();
    await proxy?.close();
  });

  it("with 2 handshakes stalled, the 3rd and later get unavailable (retryable, retry_after_ms) in < 1 s; a ChatSocket gets in after the stall", async () => {
    const before = await handshakeCounts(node.url);
    proxy.stall();
    const stalled = [handshake(node.url, user.token), handshake(node.url, user.token)];
    sockets.push(...stalled.map((h) => h.socket));
    // Both are past admission (and stuck on the database) before the next ones arrive.
    await eventually(async () =>
      expect((await handshakeCounts(node.url)).admitted).to.equal(before.admitted + 2),
    );

    const flood = Array.from({ length: 5 }, () => handshake(node.url, user.token));
    sockets.push(...flood.map((h) => h.socket));
    const outcomes = await Promise.all(flood.map((h) => h.outcome));
    for (const o of outcomes) {
      expect(o.data?.code, JSON.stringify(o)).to.equal("unavailable");
      expect(o.data?.retryable).to.equal(true);
      expect(o.data?.retry_after_ms).to.be.within(500, 1500);
      expect(o.ms).to.be.below(1000);
    }
    // Jittered: five refusals do not all ask for the same wait.
    expect(new Set(outcomes.map((o) => o.data?.retry_after_ms)).size).to.be.greaterThan(1);
    expect(await handshakeCounts(node.url)).to.deep.equal({
      admitted: before.admitted + 2,
      shed: before.shed + 5,
    });

    // A ChatSocket refused the same way keeps trying (its ready() waits), and gets in once the
    // database answers again and the stalled handshakes have given their slots back.
    const chat = new ChatSocket(node.url, {
      token: user.token,
      transports: ["websocket"],
      refusedBackoff: { baseMs: 200, maxMs: 1000 },
    });
    chatSockets.push(chat);
    const refusals: ConnectErrorData[] = [];
    chat.socket.on("connect_error", (err: Error & { data?: ConnectErrorData }) => {
      if (err.data) refusals.push(err.data);
    });
    const ready = chat.ready();
    await eventually(() => expect(refusals.length).to.be.greaterThan(1), 10_000);
    expect(refusals.every((r) => r.code === "unavailable")).to.equal(true);
    expect(chat.socket.connected).to.equal(false);
    proxy.resume();
    await ready;
    expect(chat.socket.connected).to.equal(true);
    // The stalled ones got through too.
    for (const h of stalled) expect((await h.outcome).data).to.equal(undefined);
  });

  it("the origin's plain WebSocket takes a slot too: with 2 handshakes stalled it is closed 1013 (try again later) at once", async () => {
    const { admitted: before, shed } = await handshakeCounts(node.url);
    proxy.stall();
    const stalled = [handshake(node.url, user.token), handshake(node.url, user.token)];
    sockets.push(...stalled.map((h) => h.socket));
    await eventually(async () => expect((await handshakeCounts(node.url)).admitted).to.equal(before + 2));
    const started = Date.now();
    const refused = origin.create(node.url, user.id, 1, user.token);
    expect(await refused.closeCode()).to.equal(1013);
    expect(Date.now() - started).to.be.below(1000);
    expect(refused.closed!.reason).to.match(/^this node is busy: retry in \d+ ms$/);
    expect((await handshakeCounts(node.url)).shed).to.equal(shed + 1);
    proxy.resume();
    await Promise.all(stalled.map((h) => h.outcome));
    // Slots free again: the origin's socket gets as far as the membership check.
    expect(await origin.create(node.url, user.id, 2_000_000, user.token).closeCode()).to.equal(1008);
  });

  it("close() stops the retries of a refused ChatSocket", async () => {
    const { admitted: before } = await handshakeCounts(node.url);
    proxy.stall();
    const stalled = [handshake(node.url, user.token), handshake(node.url, user.token)];
    sockets.push(...stalled.map((h) => h.socket));
    const admitted = before + 2;
    await eventually(async () => expect((await handshakeCounts(node.url)).admitted).to.equal(admitted));
    const chat = new ChatSocket(node.url, { token: user.token, transports: ["websocket"] });
    let refused = 0;
    chat.socket.on("connect_error", () => refused++);
    await eventually(() => expect(refused).to.be.greaterThan(0), 5000);
    chat.close();
    const after = refused;
    proxy.resume();
    await Promise.all(stalled.map((h) => h.outcome));
    await new Promise((r) => setTimeout(r, 1500)); // longer than any backoff of a first retry
    expect(refused).to.equal(after);
    expect(chat.socket.connected).to.equal(false);
    expect((await handshakeCounts(node.url)).admitted).to.equal(admitted);
  });
});

describe("refusedHandshakeDelayMs (full jitter, at least retry_after_ms)", () => {
  it("draws from [0, base · 2^attempt), capped at max", () => {
    expect(refusedHandshakeDelayMs(0, undefined, { baseMs: 500, maxMs: 30_000 }, () => 0.999)).to.equal(499);
    expect(refusedHandshakeDelayMs(3, undefined, { baseMs: 500, maxMs: 30_000 }, () => 0.5)).to.equal(2000);
    expect(refusedHandshakeDelayMs(20, undefined, { baseMs: 500, maxMs: 30_000 }, () => 0.5)).to.equal(
      15_000,
    );
    expect(refusedHandshakeDelayMs(0, undefined, {}, () => 0)).to.equal(0);
  });
  it("never sooner than the server asked, nor later than max", () => {
    expect(refusedHandshakeDelayMs(0, 1200, { baseMs: 500 }, () => 0.1)).to.equal(1200);
    expect(refusedHandshakeDelayMs(10, 100, { baseMs: 500, maxMs: 30_000 }, () => 0.5)).to.equal(15_000);
    expect(refusedHandshakeDelayMs(0, 120_000, { maxMs: 30_000 }, () => 0.1)).to.equal(30_000);
    expect(refusedHandshakeDelayMs(0, Number.NaN, { baseMs: 500 }, () => 0)).to.equal(0);
  });
});
