import { expect } from "chai";
import { ChatSocket } from "@chat/client";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useOriginClients } from "./origin-client.ts";

/** An origin socket that stops reading is dropped past SOCKET_MAX_BUFFERED_BYTES, as a Socket.IO one is. */
describe("origin websocket: a client that stops reading", function () {
  this.timeout(60_000);
  let node: NodeProcess;
  const clients = useOriginClients();
  const closers: Array<() => void> = [];
  before(async () => {
    node = await spawnTestNode({
      DATABASE_URL: await freshDatabase(),
      PORT: "0",
      SOCKET_MAX_BUFFERED_BYTES: "65536",
    });
  });
  after(async () => {
    closers.forEach((c) => c());
    await node?.kill("SIGKILL");
  });

  it("is dropped once its backlog passes the cap, while a reading origin socket gets everything", async () => {
    const [sender, fast, slow] = await Promise.all(
      ["snd", "fast", "slow"].map((n) => createUser(node.url, n)),
    );
    const chat = await createGroup(node.url, sender, [fast, slow]);
    const reader = await clients.open(node.url, fast, chat);
    const stalled = await clients.open(node.url, slow, chat);
    // The kernel still takes bytes for it; the node's own queue grows once those buffers are full.
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const s = new ChatSocket(node.url, { token: sender.token, transports: ["websocket"] });
    closers.push(() => s.close());
    await s.ready();
    const text = "x".repeat(3900);
    const N = 1500; // ~6 MB towards the socket that reads nothing
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, (_, k) => s.send(chat, `${i + k} ${text}`)),
      );
    }
    await eventually(() => expect(reader.news().length).to.equal(N), 20_000);
    await eventually(
      () => expect(node.logs.some((l) => /origin socket that stopped reading/.test(l))).to.equal(true),
      10_000,
    );
    (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await stalled.closeCode(10_000);
    expect(stalled.news().length).to.be.lessThan(N);
  });
});
