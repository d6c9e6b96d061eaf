import { expect } from "chai";
import { freshDatabase } from "../support/db.ts";
import { startStallProxy, type StallProxy } from "../support/stall-proxy.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { useOriginClients } from "./origin-client.ts";

/**
 * PostgreSQL behind a proxy the test stalls: an origin handshake whose checks outlast engine.io's
 * 1 s upgrade timeout still opens, and a graceful shutdown acks the send in flight before it closes
 * the socket with 1001.
 */
describe("origin websocket while the database is slow", () => {
  const clients = useOriginClients();
  let proxy: StallProxy;
  let node: TestNode | undefined;
  let u: TestUser;
  let chatId: number;

  beforeEach(async () => {
    const direct = new URL(await freshDatabase());
    proxy = await startStallProxy(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(direct.toString());
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    node = await startTestNode({ DATABASE_URL: viaProxy.toString() });
    u = await createUser(node.url, "U");
    chatId = await createGroup(node.url, u, []);
  });
  afterEach(async () => {
    proxy.resume();
    await node?.close();
    await proxy.close();
  });

  it("an upgrade whose membership check takes 1.5 s is not destroyed by engine.io, and opens", async () => {
    proxy.stall();
    const c = clients.create(node!.url, u.id, chatId, u.token);
    const resume = setTimeout(() => proxy.resume(), 1500);
    try {
      await c.opened;
    } finally {
      clearTimeout(resume);
    }
    await c.say("after a slow handshake");
  });

  it("a graceful shutdown acks the send in flight, then closes the socket with 1001", async () => {
    const c = await clients.open(node!.url, u, chatId);
    await c.say("warm");
    proxy.stall();
    c.send("in flight at shutdown");
    // The frame reached the node (it waits on the stalled database) before the shutdown starts.
    await new Promise((r) => setTimeout(r, 200));
    const closed = node!.close();
    setTimeout(() => proxy.resume(), 300);
    expect(await c.frame("in flight at shutdown")).to.equal(
      "✅ Сообщение 'in flight at shutdown' отправлено!",
    );
    expect(await c.closeCode()).to.equal(1001);
    await closed;
    node = undefined;
  });
});
