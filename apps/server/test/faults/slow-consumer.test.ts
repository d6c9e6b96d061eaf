import fs from "node:fs";
import { expect } from "chai";
import WebSocket from "ws";
import { ChatSocket, type Message } from "@chat/client";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

describe("faults: a client that stops reading", function () {
  this.timeout(90_000);
  let node: NodeProcess;
  const closers: Array<() => void> = [];
  before(async () => {
    node = await spawnTestNode({
      DATABASE_URL: await freshDatabase(),
      PORT: "0",
      SOCKET_MAX_BUFFERED_BYTES: "262144",
    });
  });
  after(async () => {
    closers.forEach((c) => c());
    await node?.kill("SIGKILL");
  });

  it("is dropped past the buffer cap without slowing the others, memory stays bounded, and it catches up after", async () => {
    const [sender, fast, slow] = await Promise.all(
      ["snd", "fast", "slow"].map((n) => createUser(node.url, n)),
    );
    const chat = await createGroup(node.url, sender, [fast, slow]);

    // The slow consumer: a raw Engine.IO websocket that completes the handshake, then stops reading.
    const raw = new WebSocket(`${node.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    closers.push(() => raw.terminate());
    await new Promise<void>((resolve, reject) => {
      raw.on("message", (data) => {
        const s = data.toString();
        if (s.startsWith("0")) raw.send(`40${JSON.stringify({ token: slow.token })}`);
        if (s.startsWith("40")) resolve();
        if (s.startsWith("44")) reject(new Error(s));
      });
      raw.on("error", reject);
    });
    const rawClosed = new Promise<void>((r) => raw.on("close", () => r()));
    (raw as unknown as { _socket: { pause(): void } })._socket.pause();

    const s = new ChatSocket(node.url, { token: sender.token, transports: ["websocket"] });
    const f = new ChatSocket(node.url, { token: fast.token, transports: ["websocket"] });
    closers.push(
      () => s.close(),
      () => f.close(),
    );
    await Promise.all([s.ready(), f.ready()]);
    f.track(chat, 0);
    const got: Message[] = [];
    f.on("message", (m) => got.push(m));

    const rssBefore = rssMiB(node.proc.pid!);
    const text = "x".repeat(3900);
    const N = 1500; // ~6 MB of fan-out towards the reader that reads nothing
    const started = Date.now();
    let peak = rssBefore;
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, (_, k) => s.send(chat, `${i + k} ${text}`)),
      );
      peak = Math.max(peak, rssMiB(node.proc.pid!));
    }
    await eventually(() => expect(got.length).to.equal(N), 20_000);
    const fastMs = Date.now() - started;
    await eventually(() => expect(node.logs.some((l) => /stopped reading/.test(l))).to.equal(true), 10_000);
    // Counted for the dashboard and the SlowConsumersDropped alert.
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).to.match(/^chat_slow_consumers_dropped_total\{[^}]*\} 1$/m);
    console.log(
      `      slow consumer: ${N} msgs to the fast reader in ${fastMs} ms; node RSS ${rssBefore.toFixed(0)} → peak ${peak.toFixed(0)} MiB`,
    );
    expect(peak - rssBefore, "node memory growth (MiB)").to.be.lessThan(200);

    // Reading again: the dropped connection closes; a fresh client catches up from the database.
    (raw as unknown as { _socket: { resume(): void } })._socket.resume();
    await rawClosed;
    const again = new ChatSocket(node.url, { token: slow.token, transports: ["websocket"] });
    closers.push(() => again.close());
    await again.ready();
    again.track(chat, 0);
    const caught: Message[] = [];
    again.on("message", (m) => caught.push(m));
    await again.resync();
    await eventually(() => expect(caught.length).to.equal(N), 20_000);
    expect(caught.map((m) => m.seq)).to.deep.equal(Array.from({ length: N }, (_, i) => i + 1));
  });
});
