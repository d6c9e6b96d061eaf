/**
 * The shape every contract suite takes (socket.io's adapter runs one `testSuite(createAdapter)`
 * against every Redis client; here one suite per seam runs against every implementation).
 * `make` builds a fresh implementation for one test; `cleanup` ends everything it started.
 */
import { randomUUID } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import { startRedisCluster, type RedisClusterProcess } from "../../src/launcher/redis-cluster-process.ts";
import { pino } from "pino";
import {
  createRedisClient,
  eachMaster,
  redisEndpoint,
  type RedisClient,
} from "../../src/cluster/redis-client.ts";

export interface SeamFixture<T> {
  impl: T;
  /**
   * Another node on the same shared state, and a way to kill it as SIGKILL would (its timers may
   * still run, but nothing it sends arrives and nothing cleans up after it). Absent where the
   * implementation serves one node only (memory): the cluster cases then do not apply.
   */
  otherNode?(): Promise<{ impl: T; crash(): void }>;
  cleanup(): Promise<void>;
}

/** What a suite needs to know before it defines its cases. */
export interface SeamTraits {
  /** The implementation is shared by several nodes (Redis), so the cross-node cases apply. */
  cluster: boolean;
}

/** A Redis (one server or a cluster) for one describe block: key prefixes and ready clients on it. */
export interface PrivateRedis {
  prefix(): string;
  client(): Promise<RedisClient>;
}

/**
 * The nodes of one cluster for one test: each a fresh implementation with its own client on one
 * shared key prefix, so one node can be crashed (its client cut) while the others go on. `build`
 * gets the node's index (0 for the first); `close` is the implementation's graceful leave.
 */
export async function redisCluster<T>(
  redis: PrivateRedis,
  build: (client: RedisClient, prefix: string, index: number) => T,
  close: (impl: T) => Promise<void> = async () => {},
): Promise<SeamFixture<T>> {
  const prefix = redis.prefix();
  const stops: Array<() => Promise<void>> = [];
  const node = async () => {
    const client = await redis.client();
    const impl = build(client, prefix, stops.length);
    stops.push(async () => {
      await close(impl); // after a crash this fails quietly, as it would for a dead process
      client.disconnect();
    });
    return { impl, crash: () => client.disconnect() };
  };
  const first = await node();
  return {
    impl: first.impl,
    otherNode: node,
    cleanup: async () => {
      for (const stop of stops) await stop();
    },
  };
}

/**
 * A private redis-server for the enclosing describe block (started before, killed after), and
 * ready clients on it under a key prefix no other test uses.
 */
export function usePrivateRedis(): PrivateRedis & { client(): Promise<Redis> } {
  let server: RedisProcess | undefined;
  before(async function () {
    this.timeout(15_000);
    server = await startRedis();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    prefix: () => `contract-${randomUUID().slice(0, 8)}`,
    /** Resolves once the client is ready: the rate limiter falls back to memory until then. */
    async client(): Promise<Redis> {
      const c = new Redis(server!.url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2000 });
      await c.connect();
      return c;
    },
  };
}

/**
 * A private Redis Cluster (3 masters, 3 replicas) for the enclosing describe block, and ready
 * cluster clients on it: the seams' Redis implementations must keep every operation in one slot.
 */
export function usePrivateRedisCluster(): PrivateRedis & { cluster(): RedisClusterProcess } {
  let server: RedisClusterProcess | undefined;
  before(async function () {
    this.timeout(60_000);
    server = await startRedisCluster();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    cluster: () => server!,
    prefix: () => `contract-${randomUUID().slice(0, 8)}`,
    /** A data client as the node makes it (every command bounded), ready, with a connection to each master. */
    async client(): Promise<Cluster> {
      const endpoint = redisEndpoint({ REDIS_URL: undefined, REDIS_CLUSTER_NODES: server!.seeds })!;
      const c = createRedisClient(endpoint, pino({ level: "silent" }), {
        role: "data",
        commandTimeoutMs: 2000,
      });
      if (c.status !== "ready") await new Promise((r) => c.once("ready", r));
      // Node connections open on first use: open them now, so a first write does not lag behind reads.
      await Promise.all(eachMaster(c).map((n) => n.ping()));
      return c as Cluster;
    },
  };
}
