import { expect } from "chai";
import crypto from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { Ack, ClientAckData } from "@chat/protocol";
import { useCluster } from "./cluster-fixture.ts";
import { delivered } from "./devices.ts";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

/** The project's nginx.conf, rendered for the 3 test nodes, in front of them. */
describe("cluster: through a real nginx", () => {
  const c = useCluster();
  const { devices } = c;
  let nginx: NginxProcess;
  // Opened as the README shows (default transports), so not one of `devices.raw`'s.
  let raw: Socket | undefined;
  before(async function () {
    this.timeout(60_000);
    nginx = await startNginx(c.nodes.map((n) => n.port));
  });
  afterEach(() => raw?.close());
  after(() => nginx?.stop());

  it("the Socket.IO client with default transports (polling, then upgrade) chats with devices on every node", async () => {
    const u = await createUser(nginx.url, "U"); // REST through nginx as well
    const v = await createUser(c.urls[0], "V");
    const chatId = await createGroup(nginx.url, u, [v]);

    // Default transports: the first request is long-polling, then the client upgrades.
    const viaNginx = devices.create(nginx.url, u, { transports: undefined });
    const transports: string[] = [];
    viaNginx.socket.io.on("open", () => {
      const engine = viaNginx.socket.io.engine;
      transports.push(engine.transport.name);
      engine.on("upgrade", (t: { name: string }) => transports.push(t.name));
    });
    await viaNginx.ready();
    await eventually(() => expect(transports).to.deep.equal(["polling", "websocket"]));
    // A device that never upgrades: every poll of its session must reach the same node.
    const pollingOnly = await devices.connect(nginx.url, u, { transports: ["polling"] });
    const direct = await Promise.all(c.urls.map((url) => devices.connect(url, v)));
    const everyone = [viaNginx, pollingOnly, ...direct];
    for (const s of everyone) s.track(chatId, 0);
    const got = everyone.map(delivered);

    const sent = [(await viaNginx.send(chatId, "hello from behind nginx")).message];
    for (const [i, d] of direct.entries()) sent.push((await d.send(chatId, `from node ${i + 1}`)).message);
    sent.push((await pollingOnly.send(chatId, "polling works too")).message);
    await eventually(() => {
      for (const g of got) expect(g.map((m) => m.id)).to.deep.equal(sent.map((m) => m.id));
    });
    expect(pollingOnly.socket.io.engine.transport.name).to.equal("polling");
  });

  it("the plain socket.io-client (as in the README) connects, sends and receives through nginx", async () => {
    const u = await createUser(nginx.url, "Plain");
    const v = await createUser(c.urls[2], "Peer");
    const chatId = await createGroup(nginx.url, u, [v]);
    const peer = await devices.connect(c.urls[2], v);
    const news: unknown[] = [];
    raw = io(nginx.url, { auth: { token: u.token } });
    raw.on("message:new", (m) => news.push(m));
    await new Promise<void>((resolve, reject) => {
      raw!.once("connect", resolve);
      raw!.once("connect_error", reject);
    });
    const res = (await raw.emitWithAck("message:send", {
      chat_id: chatId,
      client_id: crypto.randomUUID(),
      text: "plain client",
    })) as Ack<ClientAckData["message:send"]>;
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.duplicate).to.equal(false);
    const reply = (await peer.send(chatId, "got it")).message;
    await eventually(() =>
      expect(news.map((m) => (m as { id: number }).id)).to.deep.equal([res.data.message.id, reply.id]),
    );
    const read = (await raw.emitWithAck("message:read", { chat_id: chatId, seq: reply.seq })) as Ack<
      ClientAckData["message:read"]
    >;
    expect(read).to.deep.equal({
      ok: true,
      data: { chat_id: chatId, last_read_seq: reply.seq, fully_read_ids: [reply.id] },
    });
  });
});

describe("nginx: REST bodies larger than its default 8 KB buffer", () => {
  const c = useCluster();
  let nginx: NginxProcess;
  before(async function () {
    this.timeout(60_000);
    nginx = await startNginx(c.nodes.map((n) => n.port));
  });
  after(() => nginx?.stop());

  // A 20 KB body (20 KeyPackages in one upload did this) was a 500 from nginx itself: it spooled
  // the body to a temp file its worker could not write. Bodies up to the API's 64 KB stay in memory.
  it("reaches the node and gets the node's answer, never nginx's 500", async () => {
    const res = await fetch(`${nginx.url}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "big@example.com", password: "x".repeat(20_000), name: "Big" }),
    });
    expect(res.status).to.be.within(400, 499);
    expect(res.headers.get("content-type") ?? "").to.include("application/json");
  });
});
