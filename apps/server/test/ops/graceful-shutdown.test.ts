import { expect } from "chai";
import pg from "pg";
import { ChatSocket } from "@chat/client";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { parseProm, sampleValue } from "./prom-text.ts";

/**
 * A send is held in flight by locking its chat row from the test (the writer's SELECT … FOR UPDATE
 * waits), then the node gets SIGTERM: its ack must come before the socket closes, and the process
 * must exit within SHUTDOWN_TIMEOUT_MS whatever happens.
 */
describe("graceful shutdown on SIGTERM", function () {
  this.timeout(40_000);
  let databaseUrl: string;
  const nodes: NodeProcess[] = [];
  const sockets: ChatSocket[] = [];
  const locks: pg.Client[] = [];

  before(async () => {
    databaseUrl = await freshDatabase();
  });
  after(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.kill("SIGKILL");
    for (const l of locks) await l.end().catch(() => undefined);
  });

  /** A node, a user with a socket on it, a chat whose row the test holds locked, and a send in flight. */
  async function sendInFlight(env: Record<string, string>) {
    const node = await spawnTestNode({ DATABASE_URL: databaseUrl, PORT: "0", ...env });
    nodes.push(node);
    const u = await createUser(node.url, "U");
    const chatId = await createGroup(node.url, u, []);
    const socket = new ChatSocket(node.url, { token: u.token, transports: ["websocket"] });
    sockets.push(socket);
    await socket.ready();
    const lock = new pg.Client({ connectionString: databaseUrl });
    locks.push(lock);
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query("SELECT id FROM chats WHERE id = $1 FOR UPDATE", [chatId]);
    const clientId = crypto.randomUUID();
    const ack = socket.request(
      "message:send",
      { chat_id: chatId, client_id: clientId, text: "in flight" },
      30_000,
    );
    ack.catch(() => undefined); // observed by the test that expects it
    await eventually(async () => {
      const m = parseProm(await (await fetch(`${node.url}/metrics`)).text());
      expect(sampleValue(m, "chat_handlers_in_flight")).to.equal(1);
    });
    return { node, socket, lock, ack, chatId, clientId };
  }

  it("answers the in-flight send before closing the socket, then exits 0", async () => {
    const { node, socket, lock, ack, clientId } = await sendInFlight({});
    let reason = "";
    socket.socket.on("disconnect", (r) => (reason = r));
    const exited = node.kill("SIGTERM");
    await eventually(() => expect(node.logs.join("\n")).to.include('"msg":"shutting down"'));
    expect(socket.socket.connected, "the socket stays while its send is in flight").to.equal(true);
    await lock.query("COMMIT");
    // An ack with a timeout rejects if the socket closes first: resolving proves the order.
    const out = await ack;
    expect(out.message.text).to.equal("in flight");
    expect(await exited).to.equal(0);
    expect(node.logs.join("\n")).to.include('"msg":"stopped"');
    // A transport close, which socket.io-client retries on its own (to another node in a
    // cluster); a namespace disconnect ("io server disconnect") would leave it offline for good.
    await eventually(() => expect(reason).to.equal("transport close"));
    expect(socket.socket.active, "the client keeps reconnecting").to.equal(true);
    const stored = await lock.query("SELECT count(*)::int AS n FROM messages WHERE client_id = $1", [
      clientId,
    ]);
    expect(stored.rows[0].n).to.equal(1);
  });

  it("exits within SHUTDOWN_TIMEOUT_MS when a write cannot finish", async () => {
    const { node, lock } = await sendInFlight({ SHUTDOWN_TIMEOUT_MS: "1500" });
    const started = Date.now();
    const code = await node.kill("SIGTERM");
    const took = Date.now() - started;
    await lock.query("ROLLBACK");
    expect(code).to.equal(1);
    expect(took).to.be.within(1400, 4000);
    expect(node.logs.join("\n")).to.include("shutdown timed out");
  });
});
