/**
 * GET /api/v1/admin/overview, what the admin console polls: two nodes sharing a private Redis, each
 * publishing its own figures in its heartbeat; Redis and PostgreSQL health; a Redis that stalls is
 * reported unreachable within the probe timeout instead of hanging the answer; admins only;
 * rate-limited.
 */
import { expect } from "chai";
import os from "node:os";
import { Redis } from "ioredis";
import request from "supertest";
import { ChatSocket } from "@chat/client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { OVERVIEW_LIMIT } from "../../src/ops/admin-routes.ts";
import { spawnTestNode, startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

const TTL_SECONDS = 2;
const PROBE_MS = 400;
/**
 * Longer than the stalled-Redis answer may take (PROBE_MS + LOAD_MARGIN_MS): an overview that
 * waited for its rate-limit check's Redis command before probing would be caught.
 */
const COMMAND_TIMEOUT_MS = 3000;
/** Scheduling delays on a loaded 2-core machine (seen: about 1 s) and the PostgreSQL probe. */
const LOAD_MARGIN_MS = 2000;
const BOSS = `boss-${crypto.randomUUID().slice(0, 8)}@example.test`;

describe("GET /api/v1/admin/overview: two nodes, Redis and PostgreSQL", function () {
  this.timeout(40_000);
  let redis: RedisProcess;
  let a: TestNode;
  let b: NodeProcess;
  let admin: TestUser;
  let plain: TestUser;
  let boss: TestUser;
  const sockets: ChatSocket[] = [];
  const overview = (url: string, user: TestUser) => request(url).get("/api/v1/admin/overview").set(user.auth);

  before(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `ov-${crypto.randomUUID().slice(0, 6)}`,
      NODE_HEARTBEAT_SECONDS: String(TTL_SECONDS),
      READYZ_TIMEOUT_MS: String(PROBE_MS),
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      ADMIN_EMAILS: BOSS,
    };
    a = await startTestNode({ ...env, NODE_ID: "ov-a" });
    b = await spawnTestNode({ ...env, NODE_ID: "ov-b", PORT: "0", DATABASE_URL: a.databaseUrl });
    admin = await createUser(a.url, "First");
    plain = await createUser(b.url, "Plain");
    boss = await createUser(b.url, "Boss", { email: BOSS });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await b?.kill("SIGKILL");
    await a?.close();
    await redis?.stop();
  });

  it("answers 401 without a token and 403 to a non-admin", async () => {
    await request(a.url).get("/api/v1/admin/overview").expect(401);
    const res = await overview(b.url, plain).expect(403);
    expect(res.body.error.code).to.equal("forbidden");
  });

  it("is rate-limited per admin (another admin, by ADMIN_EMAILS, is not held back)", async () => {
    let status = 200;
    for (let i = 0; i < OVERVIEW_LIMIT.max + 1 && status === 200; i++)
      status = (await overview(a.url, boss)).status;
    expect(status).to.equal(429);
    await overview(a.url, admin).expect(200);
  });

  it("lists both nodes with their own figures (CPU within 0..cores), and Redis and PostgreSQL health", async () => {
    const chatId = await createGroup(a.url, admin, [plain], "ov");
    const sa = new ChatSocket(a.url, { token: admin.token, transports: ["websocket"] });
    const sb = new ChatSocket(b.url, { token: plain.token, transports: ["websocket"] });
    sockets.push(sa, sb);
    await Promise.all([sa.ready(), sb.ready()]);
    // Traffic for the windows: sends on A, delivered on both nodes.
    const view = await eventually(
      async () => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => sa.send(chatId, `m${i}`)));
        const res = await overview(b.url, admin).expect(200);
        const [na, nb] = res.body.nodes;
        expect(res.body.nodes.map((n: { id: string }) => n.id)).to.deep.equal(["ov-a", "ov-b"]);
        expect(na.window?.messages_per_second, "A's sends").to.be.greaterThan(0);
        expect(nb.window?.deliveries_per_second, "B's deliveries").to.be.greaterThan(0);
        expect(nb.users_online).to.equal(1);
        expect(na.window?.adapter_published_per_second, "A's adapter publishes").to.be.greaterThan(0);
        expect(nb.window?.adapter_received_per_second, "B's adapter receives").to.be.greaterThan(0);
        expect(na.window?.adapter_published_bytes_per_second, "A's bytes out").to.be.greaterThan(0);
        // B only receives A's broadcasts: its two directions apart, not one figure twice.
        expect(nb.window?.adapter_received_bytes_per_second, "B's bytes in").to.be.greaterThan(
          nb.window?.adapter_published_bytes_per_second,
        );
        expect(res.body.cluster_path.received_per_delivery, "cluster path cost").to.be.greaterThan(0);
        return res.body;
      },
      15_000,
      300,
    );
    expect(view).to.include({
      mode: "cluster",
      self: "ov-b",
      truncated: false,
      heartbeat_ttl_seconds: TTL_SECONDS,
    });
    for (const n of view.nodes) {
      expect(n.cores).to.equal(os.availableParallelism());
      expect(n.cpu_cores_used).to.be.within(0, n.cores);
      expect(n.cpu_percent_of_host).to.be.within(0, 100);
      expect(n.cpu_percent_of_host).to.be.closeTo((n.cpu_cores_used / n.cores) * 100, 0.2);
      expect(n.heap_used_bytes).to.be.within(1_000_000, n.heap_total_bytes);
      expect(n.pool.total).to.be.at.least(n.pool.idle);
      expect(n.window.event_loop_lag_p99_ms).to.be.at.least(0);
    }
    const na = view.nodes[0];
    expect(na.window.ack_p50_ms).to.be.greaterThan(0);
    expect(na.window.ack_p99_ms).to.be.at.least(na.window.ack_p50_ms);
    // The cluster path, from the adapter's own counters (metrics.ts): A publishes, B receives, each
    // direction's bytes apart. Every broadcast of A's sends has a payload of at least a few bytes.
    const [, nb] = view.nodes;
    expect(na.window.adapter_published_per_second).to.be.greaterThan(0);
    expect(nb.window.adapter_received_per_second).to.be.greaterThan(0);
    expect(na.window.adapter_published_bytes_per_second).to.be.at.least(
      na.window.adapter_published_per_second,
    );
    expect(nb.window.adapter_received_bytes_per_second).to.be.at.least(nb.window.adapter_received_per_second);
    expect(view.redis).to.include({ up: true, error: null, role: "master", cluster_enabled: false });
    expect(view.redis.latency_ms).to.be.within(0, PROBE_MS);
    expect(view.redis.used_memory).to.be.greaterThan(0);
    expect(view.redis.connected_clients).to.be.at.least(6);
    expect(view.redis.pubsub_channels + view.redis.pubsub_patterns).to.be.greaterThan(0);
    expect(view.redis.slowlog_length).to.be.at.least(0);
    // Issue 19 item 3: this cluster's pub/sub and keys in Redis, counted completely at this size.
    const f = view.redis_figures;
    // The adapter's request and response channels (both nodes) and each node's own response channel.
    expect(f.pubsub_channels).to.be.at.least(4);
    expect(f.pubsub_subscribers).to.be.at.least(6);
    // Redis 7 counts distinct patterns: the nodes share the adapter's one.
    expect(f.pubsub_patterns).to.be.at.least(1);
    expect(f.shard_channels).to.equal(0); // Redis 7, classic adapter
    expect(f.presence_keys).to.deep.include({ complete: true });
    expect(f.presence_keys.keys, "presence of the two sockets").to.be.at.least(1);
    expect(f.rate_limit_keys).to.deep.include({ complete: true });
    expect(f.rate_limit_keys.keys, "the overview limit's windows").to.be.at.least(1);
    // The cluster path: the nodes' sums, and per delivery within reason for a 2-node group chat.
    const cp = view.cluster_path;
    const sum = (k: string) =>
      view.nodes.reduce((s: number, n: { window: Record<string, number> }) => s + n.window[k], 0);
    expect(cp.adapter_published_per_second).to.be.closeTo(sum("adapter_published_per_second"), 0.05);
    expect(cp.adapter_received_per_second).to.be.closeTo(sum("adapter_received_per_second"), 0.05);
    expect(cp.adapter_published_bytes_per_second).to.be.closeTo(
      sum("adapter_published_bytes_per_second"),
      0.05,
    );
    expect(cp.adapter_received_bytes_per_second).to.be.closeTo(
      sum("adapter_received_bytes_per_second"),
      0.05,
    );
    expect(cp.deliveries_per_second).to.be.closeTo(sum("deliveries_per_second"), 0.05);
    expect(cp.published_per_delivery).to.be.within(0.01, 5);
    expect(cp.received_per_delivery).to.be.within(0.01, 5);
    expect(cp.received_per_delivery).to.be.closeTo(
      cp.adapter_received_per_second / cp.deliveries_per_second,
      0.02,
    );
    expect(view.postgres).to.include({ up: true, error: null });
    expect(view.postgres.latency_ms).to.be.within(0, PROBE_MS);
    expect(view.postgres.database_bytes).to.be.greaterThan(1_000_000);
    expect(view.postgres.pool.max).to.be.greaterThan(0);
  });

  it("reports a stalled Redis as unreachable within the probe timeout instead of hanging", async () => {
    const pauser = new Redis(redis.url);
    try {
      // Paused past the answer's bound, so that waiting for any Redis command would show.
      await pauser.call("CLIENT", "PAUSE", String(COMMAND_TIMEOUT_MS + 1000), "ALL");
      const started = Date.now();
      const res = await overview(a.url, admin).expect(200);
      // One probe timeout: the rate-limit check, the registry and the Redis probes do not add up.
      const elapsed = Date.now() - started;
      expect(elapsed, "ms to the answer").to.be.below(PROBE_MS + LOAD_MARGIN_MS);
      expect(res.body.redis).to.include({ up: false, latency_ms: null });
      expect(res.body.redis.error).to.match(/no answer within/);
      expect(res.body.redis_figures).to.equal(null);
      expect(res.body.postgres.up).to.equal(true);
      // The node still knows itself when the registry cannot be read.
      expect(res.body.nodes.map((n: { id: string }) => n.id)).to.include("ov-a");
    } finally {
      await pauser.call("CLIENT", "UNPAUSE").catch(() => undefined);
      pauser.disconnect();
    }
  });

  it("drops a SIGKILLed node within its TTL", async () => {
    await b.kill("SIGKILL");
    await eventually(
      async () => {
        const res = await overview(a.url, admin).expect(200);
        expect(res.body.nodes.map((n: { id: string }) => n.id)).to.deep.equal(["ov-a"]);
      },
      TTL_SECONDS * 1000 + 2_000,
      200,
    );
  });
});
