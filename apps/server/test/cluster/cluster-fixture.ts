/**
 * The multi-node fixture: a private redis-server (TEST_REDIS=cluster: a private Redis Cluster of 3
 * masters and 3 replicas, src/launcher/redis-cluster-process.ts), one fresh database and 3 nodes as child
 * processes (`src/main.ts`, as `pnpm start` runs it) sharing both. Starting 3 processes costs a few
 * seconds on 2 cores, so every file under test/cluster shares one cluster: it starts on first use
 * and stops in a root `after` hook. A describe block takes it with `useCluster()`, which also
 * closes the block's devices after each test. Tests keep apart by creating their own users and
 * chats; a test that kills a node kills an extra one it spawned (`spawnExtraNode`), never one of
 * the three.
 */
import crypto from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { startRedis } from "../../src/launcher/redis-process.ts";
import { startRedisCluster, type RedisClusterProcess } from "../../src/launcher/redis-cluster-process.ts";
import { createRedisClient, redisEndpoint, type RedisClient } from "../../src/cluster/redis-client.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { filledLater } from "../support/filled-later.ts";
import { useDevices, type Devices } from "./devices.ts";

/** The Redis the nodes share: one server, or a Redis Cluster with TEST_REDIS=cluster. */
export interface TestRedis {
  /** REDIS_URL or REDIS_CLUSTER_NODES, for the nodes. */
  env: Record<string, string>;
  /** A ready client of it (the test disconnects it). */
  client(): Promise<RedisClient>;
  /** Set when it is a Redis Cluster (its servers can be killed and restarted). */
  cluster?: RedisClusterProcess;
  /** SIGSTOP / SIGCONT of every Redis server: a stalled (not refused) Redis. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Whether this run's cluster tests use a Redis Cluster (the `redis-cluster` test group). */
export const onRedisCluster = process.env.TEST_REDIS === "cluster";

async function startTestRedis(): Promise<TestRedis> {
  if (!onRedisCluster) {
    const r = await startRedis();
    return {
      env: { REDIS_URL: r.url },
      client: async () => new Redis(r.url),
      pause: () => r.pause(),
      resume: () => r.resume(),
      stop: () => r.stop(),
    };
  }
  const rc = await startRedisCluster();
  return {
    env: { REDIS_CLUSTER_NODES: rc.seeds },
    cluster: rc,
    async client() {
      const endpoint = redisEndpoint({ REDIS_URL: undefined, REDIS_CLUSTER_NODES: rc.seeds })!;
      const c = createRedisClient(endpoint, pino({ level: "silent" }), {
        role: "data",
        commandTimeoutMs: 2000,
      });
      if (c.status !== "ready") await new Promise((r) => c.once("ready", r));
      return c;
    },
    pause: () => rc.servers.forEach((s) => s.pause()),
    resume: () => rc.servers.forEach((s) => s.resume()),
    stop: () => rc.stop(),
  };
}

export interface Cluster {
  redis: TestRedis;
  databaseUrl: string;
  /** Node 1, 2 and 3. */
  nodes: NodeProcess[];
  urls: string[];
  env: Record<string, string>;
}

let shared: Promise<Cluster> | undefined;
const extras: NodeProcess[] = [];

async function start(): Promise<Cluster> {
  const [redis, databaseUrl] = await Promise.all([startTestRedis(), freshDatabase()]);
  const env = {
    DATABASE_URL: databaseUrl,
    ...redis.env,
    REDIS_KEY_PREFIX: `cl-${crypto.randomUUID().slice(0, 8)}`,
    PORT: "0",
  };
  const nodes: NodeProcess[] = [];
  try {
    // One first, so the migration check runs once; then two in parallel.
    nodes.push(await spawnTestNode({ ...env, NODE_ID: "n1" }));
    nodes.push(...(await Promise.all(["n2", "n3"].map((id) => spawnTestNode({ ...env, NODE_ID: id })))));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.kill("SIGKILL")));
    await redis.stop();
    throw err;
  }
  return { redis, databaseUrl, nodes, urls: nodes.map((n) => n.url), env };
}

/** The shared 3-node cluster (started on first call). */
function cluster(): Promise<Cluster> {
  shared ??= start();
  return shared;
}

/** The shared cluster as one describe block sees it, with the devices its tests open. */
export interface ClusterUse extends Cluster {
  devices: Devices;
}

/**
 * The preamble of every test on the shared cluster, once: registers a `before` that waits for the
 * cluster (starting it on first use) and an `afterEach` that closes the devices the tests opened.
 * The answer stands for the cluster (see `filledLater`): read its fields from hooks and tests.
 */
export function useCluster(): ClusterUse {
  const devices = useDevices();
  let c: Cluster | undefined;
  before(async function () {
    this.timeout(60_000);
    c = await cluster();
  });
  return filledLater<ClusterUse>("useCluster()", () => c, { devices });
}

/**
 * The cast many cluster tests start from: user U with device A on node 1 and device B on node 3,
 * user V with device SV on node 2, both in one group created on node `groupVia + 1` (node 1).
 */
export async function twoMembersThreeDevices(c: ClusterUse, groupVia = 0) {
  const [n1, n2, n3] = c.urls;
  const u = await createUser(n1, "U");
  const v = await createUser(n2, "V");
  const chatId = await createGroup(c.urls[groupVia], u, [v]);
  const a = await c.devices.connect(n1, u);
  const b = await c.devices.connect(n3, u);
  const sv = await c.devices.connect(n2, v);
  return { u, v, chatId, a, b, sv };
}

/** One more node in the same cluster, stopped with the others at the end (or killed by the test). */
export async function spawnExtraNode(c: Cluster, nodeId: string): Promise<NodeProcess> {
  const node = await spawnTestNode({ ...c.env, NODE_ID: nodeId });
  extras.push(node);
  return node;
}

/** The last lines a node logged: attached to assertion messages when something cross-node fails. */
export function tail(node: NodeProcess, lines = 30): string {
  return node.logs.slice(-lines).join("\n");
}

// Root hook (this module is imported at load time, outside any describe): stop everything once.
after(async function () {
  this.timeout(30_000);
  if (!shared) return;
  const c = await shared.catch(() => undefined);
  shared = undefined;
  await Promise.all([...extras, ...(c?.nodes ?? [])].map((n) => n.kill("SIGTERM")));
  await c?.redis.stop();
});
