/**
 * The node's Redis clients, one Redis server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES),
 * behind one type: every user of Redis in the node (adapter, presence, rate limits, registry, ops)
 * takes a `RedisClient` and keeps to what both clients answer the same way. What differs in a
 * cluster is dealt with where it matters: one operation never touches keys of two slots (hash tags,
 * see presence.redis.ts and node-registry.redis.ts), and server-wide commands (INFO, SCAN, PUBSUB)
 * go to every master (`eachMaster`).
 */
import type { ConnectionOptions } from "node:tls";
import { Cluster, Redis, type Command } from "ioredis";
import type { Logger } from "pino";
import type { Config } from "../config/env.ts";

export type RedisClient = Redis | Cluster;

const NODE_ERROR_LOG_EVERY_MS = 5000;

/** Where the node's Redis is: absent (one node, in memory), one server, or a cluster's seed nodes. */
export type RedisEndpoint =
  | { kind: "single"; url: string }
  | { kind: "cluster"; seeds: Array<{ host: string; port: number }>; username?: string; password?: string };

type EndpointConfig = Pick<Config, "REDIS_URL" | "REDIS_CLUSTER_NODES">;

/**
 * REDIS_CLUSTER_NODES: comma-separated seed nodes, each `host:port` or `redis://[user:password@]host:port`
 * (credentials from the first entry that has them). One seed is enough (the client learns the rest
 * from it); more survive a seed being down at start. Throws on a setting that cannot apply.
 */
export function redisEndpoint(config: EndpointConfig): RedisEndpoint | undefined {
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES)
    throw new Error(
      "REDIS_URL and REDIS_CLUSTER_NODES are both set: choose one Redis (a server or a cluster)",
    );
  if (config.REDIS_URL) return { kind: "single", url: config.REDIS_URL };
  if (!config.REDIS_CLUSTER_NODES) return undefined;
  let username: string | undefined;
  let password: string | undefined;
  const seeds = config.REDIS_CLUSTER_NODES.split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const url = new URL(entry.includes("://") ? entry : `redis://${entry}`);
      if (url.protocol === "rediss:")
        throw new Error("REDIS_CLUSTER_NODES: TLS (rediss://) to a Redis Cluster is not supported yet");
      if (url.protocol !== "redis:" || !url.hostname || !url.port)
        throw new Error(`REDIS_CLUSTER_NODES: "${entry}" is not host:port or redis://host:port`);
      if (url.password && password === undefined) {
        password = decodeURIComponent(url.password);
        username = url.username ? decodeURIComponent(url.username) : undefined;
      }
      return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) };
    });
  if (seeds.length === 0) throw new Error("REDIS_CLUSTER_NODES lists no node");
  return { kind: "cluster", seeds, username, password };
}

export interface RedisClientOptions {
  /** pub, sub or data: named in logs and metrics. */
  role: string;
  tls?: ConnectionOptions;
  /**
   * Bound of every command from the moment it is issued to its answer. Unset on the subscriber,
   * whose (S)SUBSCRIBE stays open by design.
   */
  commandTimeoutMs?: number;
}

/**
 * A client of the endpoint. With a cluster, SPUBLISH/SSUBSCRIBE go to the master of each channel's
 * slot (`shardedSubscribers` keeps one subscriber connection per master and moves them when a
 * replica is promoted).
 */
export function createRedisClient(endpoint: RedisEndpoint, log: Logger, o: RedisClientOptions): RedisClient {
  const common = {
    // rediss:// (cluster/redis-tls.ts): the CA and server name to verify against.
    ...(o.tls ? { tls: o.tls } : {}),
    maxRetriesPerRequest: 2,
    // A stalled Redis (packets stop, the connection stays open) would otherwise hold every
    // command forever: sends, logins and handshakes wait on the rate limiter (issue 12, item 3).
    ...(o.commandTimeoutMs ? { commandTimeout: o.commandTimeoutMs } : {}),
  };
  let r: RedisClient;
  if (endpoint.kind === "single") {
    r = new Redis(endpoint.url, {
      ...common,
      enableOfflineQueue: true,
      lazyConnect: false,
      // The commands of one tick (a group commit's broadcasts) leave in one write: docs/performance.md.
      enableAutoPipelining: true,
    });
  } else {
    const cluster = new Cluster(endpoint.seeds, {
      redisOptions: {
        ...common,
        ...(endpoint.password ? { password: endpoint.password, username: endpoint.username } : {}),
      },
      enableOfflineQueue: true,
      // Never on the subscriber: ioredis 6 (pinned) keeps the sharded channels it restores after a
      // failover per slot, noted as each SSUBSCRIBE is routed, but an auto-pipeline's commands after
      // its first go straight to the connection the first one took (Cluster#sendCommand, `node.redis`),
      // so a room joined in the same tick as another on that master was never noted and stayed
      // unsubscribed on the promoted replica: silent cross-node fan-out loss (issue 20).
      enableAutoPipelining: o.role !== "sub",
      shardedSubscribers: o.role === "sub",
      // A master that went away: ask the others for the new slot owners soon, not every 5 s only.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      slotsRefreshInterval: 2000,
    });
    if (o.commandTimeoutMs) boundEveryCommand(cluster, o.commandTimeoutMs);
    r = cluster;
  }
  let down = false;
  r.on("error", (err: Error) => {
    if (!down) log.warn({ err: err.message, role: o.role }, "redis connection error");
    down = true;
  });
  // A cluster also reports each node's errors apart (a killed master, until its replica took over).
  // Until then the subscriber asks the dead master again on every slot refresh, every few ms: one
  // line per node per NODE_ERROR_LOG_EVERY_MS, with how many were left out (~200 a failover otherwise).
  if (r instanceof Cluster) {
    const logged = new Map<string, { at: number; leftOut: number }>();
    r.on("node error", (err: Error, key: string) => {
      const last = logged.get(key);
      if (last && Date.now() - last.at < NODE_ERROR_LOG_EVERY_MS) return void last.leftOut++;
      const leftOut = last?.leftOut ?? 0;
      log.warn({ err: err.message, role: o.role, node: key, leftOut }, "redis cluster node error");
      logged.set(key, { at: Date.now(), leftOut: 0 });
    });
  }
  r.on("ready", () => {
    if (down) log.info({ role: o.role }, "redis reconnected");
    down = false;
  });
  return r;
}

/**
 * The cluster client bounds a command only once a node connection sends it (`commandTimeout` of
 * redisOptions): a command parked in the cluster's own offline queue, or retried across a failover
 * (up to maxRedirections), could wait much longer. Starting the command's own timer as it enters the
 * cluster bounds its whole way (Command.setTimeout keeps the first timer, so retries do not extend
 * it): a stalled or failing-over cluster answers "Command timed out" within the bound, not a hang.
 */
function boundEveryCommand(cluster: Cluster, ms: number) {
  const send = cluster.sendCommand;
  cluster.sendCommand = function (this: Cluster, command: Command, ...rest: unknown[]) {
    command.setTimeout(ms);
    return (send as (c: Command, ...r: unknown[]) => unknown).call(this, command, ...rest);
  } as Cluster["sendCommand"];
}

/** The masters of a cluster (each answers for its own keys and channels), or the one server. */
export function eachMaster(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes("master") : [redis];
}

/**
 * The Socket.IO adapter: REDIS_ADAPTER, else `classic` on one server and `sharded` on a cluster. The
 * classic adapter's PUBLISH goes to every node of a cluster over its bus (each message costs every
 * shard): a cluster takes the sharded one only, and saying otherwise stops the start.
 */
export function adapterKind(
  config: Pick<Config, "REDIS_ADAPTER">,
  endpoint: RedisEndpoint,
): "classic" | "sharded" {
  const kind = config.REDIS_ADAPTER ?? (endpoint.kind === "cluster" ? "sharded" : "classic");
  if (endpoint.kind === "cluster" && kind !== "sharded")
    throw new Error(
      "REDIS_ADAPTER=classic with REDIS_CLUSTER_NODES: a Redis Cluster takes the sharded adapter only",
    );
  return kind;
}
