import { expect } from "chai";
import os from "node:os";
import { Redis } from "ioredis";
import request from "supertest";
import { ChatSocket } from "@chat/client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { spawnTestNode, startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { parseProm, sampleValue } from "./prom-text.ts";

const TTL_SECONDS = 2;
const PREFIX = "opsview";
const BOSS = `boss-${crypto.randomUUID().slice(0, 8)}@example.test`;

describe("GET /api/v1/admin/cluster: two nodes sharing a private Redis", function () {
  this.timeout(40_000);
  let redis: RedisProcess;
  let a: TestNode;
  let b: NodeProcess;
  let first: TestUser;
  let plain: TestUser;
  let boss: TestUser;
  const sockets: ChatSocket[] = [];

  before(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      NODE_HEARTBEAT_SECONDS: String(TTL_SECONDS),
      ADMIN_EMAILS: ` ${BOSS.toUpperCase()} , someone@example.test`,
    };
    a = await startTestNode({ ...env, NODE_ID: "ops-a" });
    b = await spawnTestNode({ ...env, NODE_ID: "ops-b", PORT: "0", DATABASE_URL: a.databaseUrl });
    first = await createUser(a.url, "First");
    plain = await createUser(b.url, "Plain");
    boss = await createUser(a.url, "Boss", { email: BOSS });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await b?.kill("SIGKILL");
    await a?.close();
    await redis?.stop();
  });

  it("answers 401 without a token and 403 to a user who is neither the first nor in ADMIN_EMAILS", async () => {
    await request(a.url).get("/api/v1/admin/cluster").expect(401);
    const res = await request(b.url).get("/api/v1/admin/cluster").set(plain.auth).expect(403);
    expect(res.body.error.code).to.equal("forbidden");
  });

  it("lists both nodes with their sockets, and Redis INFO essentials, to the first user and to ADMIN_EMAILS", async () => {
    const s = new ChatSocket(b.url, { token: plain.token, transports: ["websocket"] });
    sockets.push(s);
    await s.ready();
    const view = await eventually(async () => {
      const res = await request(a.url).get("/api/v1/admin/cluster").set(first.auth).expect(200);
      expect(res.body.nodes.map((n: { id: string }) => n.id)).to.deep.equal(["ops-a", "ops-b"]);
      // B's count arrives with its next heartbeat (every third of the TTL).
      expect(res.body.nodes[1].sockets).to.equal(1);
      return res.body;
    }, 5_000);
    expect(view).to.include({ mode: "cluster", self: "ops-a", heartbeat_ttl_seconds: TTL_SECONDS });
    expect(view.totals).to.deep.equal({ nodes: 2, sockets: 1 });
    const [na, nb] = view.nodes;
    expect(na).to.include({ self: true, version: "0.1.0", address: `127.0.0.1:${a.port}` });
    expect(nb).to.include({ self: false, address: `127.0.0.1:${b.port}` });
    for (const n of view.nodes) {
      expect(n.load).to.have.length(3);
      expect(n.rss_bytes).to.be.greaterThan(10_000_000);
      // Cores used over the last sampling window (a process cannot use more than it may).
      expect(n.cores).to.equal(os.availableParallelism());
      if (n.cpu_cores_used !== null) expect(n.cpu_cores_used).to.be.within(0, n.cores);
      expect(Date.parse(n.started_at)).to.be.at.most(Date.parse(n.heartbeat_at));
    }
    const r = view.redis;
    expect(r.version).to.match(/^\d+\.\d+/);
    expect(r.used_memory).to.be.greaterThan(0);
    expect(Number.isSafeInteger(r.instantaneous_ops_per_sec), "ops/s as Redis counts them").to.equal(true);
    // Live, not a constant: under the test's own load (PINGs back to back) the view's ops/s rises.
    const load = new Redis(redis.url);
    let pinging = true;
    const pinger = (async () => {
      while (pinging) await load.ping();
    })();
    try {
      await eventually(async () => {
        const res = await request(a.url).get("/api/v1/admin/cluster").set(first.auth).expect(200);
        expect(res.body.redis.instantaneous_ops_per_sec).to.be.at.least(100);
      }, 5_000);
    } finally {
      pinging = false;
      await pinger;
      load.disconnect();
    }
    // Each node holds at least pub, sub and data connections, and supertest's server none.
    expect(r.connected_clients).to.be.at.least(6);
    // The Socket.IO Redis adapter subscribes to patterns and channels under our prefix.
    expect(r.pubsub_patterns + r.pubsub_channels).to.be.greaterThan(0);
    expect(r.prefix_channels).to.be.greaterThan(0);

    // The view also answers on B, and to an admin named in ADMIN_EMAILS (case-insensitive).
    const fromB = await request(b.url).get("/api/v1/admin/cluster").set(boss.auth).expect(200);
    expect(fromB.body.self).to.equal("ops-b");
    expect(fromB.body.nodes.map((n: { id: string }) => n.id)).to.deep.equal(["ops-a", "ops-b"]);
  });

  it("drops a SIGKILLed node within one heartbeat TTL", async () => {
    await b.kill("SIGKILL");
    const killedAt = Date.now();
    await eventually(
      async () => {
        const res = await request(a.url).get("/api/v1/admin/cluster").set(first.auth).expect(200);
        expect(res.body.nodes.map((n: { id: string }) => n.id)).to.deep.equal(["ops-a"]);
      },
      TTL_SECONDS * 1000 + 2_000,
      100,
    );
    expect(Date.now() - killedAt).to.be.at.most(TTL_SECONDS * 1000 + 1000);
  });

  it("counts Redis errors and reconnects, and the node registers again after a Redis restart", async () => {
    await redis.stop();
    await eventually(async () => {
      const m = parseProm((await request(a.url).get("/metrics").expect(200)).text);
      expect(sampleValue(m, "chat_redis_reconnects_total", { role: "data" })).to.be.greaterThan(0);
    }, 5_000);
    await redis.start();
    await eventually(
      async () => {
        const res = await request(a.url).get("/api/v1/admin/cluster").set(first.auth).expect(200);
        expect(res.body.nodes.map((n: { id: string }) => n.id)).to.deep.equal(["ops-a"]);
        expect(res.body.redis).to.not.equal(null);
      },
      10_000,
      100,
    );
  });
});
