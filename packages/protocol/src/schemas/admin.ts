import { z } from "zod";
import { isoDate } from "./common.ts";

/** A node's traffic over its last sampling window (ops/node-load.ts), from its own Prometheus series. */
export const NodeWindowSchema = z
  .object({
    seconds: z.number().positive(),
    /** `message:send` events acked per second. */
    messages_per_second: z.number().min(0),
    /** Messages written to this node's sockets per second (each recipient socket counts once). */
    deliveries_per_second: z.number().min(0),
    /** `message:send` ack latency quantiles in ms (from the histogram's buckets); null: no send in the window. */
    ack_p50_ms: z.number().min(0).nullable(),
    ack_p99_ms: z.number().min(0).nullable(),
    /** From a message's stored time to its delivery to a socket of this node; null: no delivery in the window. */
    delivery_p50_ms: z.number().min(0).nullable(),
    delivery_p99_ms: z.number().min(0).nullable(),
    /** The Socket.IO Redis adapter's messages this node published and received per second (0 on a single node). */
    adapter_published_per_second: z.number().min(0),
    adapter_received_per_second: z.number().min(0),
    /** Their payload bytes per second, each direction apart (`chat_adapter_bytes_total{direction}`). */
    adapter_published_bytes_per_second: z.number().min(0),
    adapter_received_bytes_per_second: z.number().min(0),
    /** The event loop's delay, 99th percentile over the window (perf_hooks.monitorEventLoopDelay). */
    event_loop_lag_p99_ms: z.number().min(0),
  })
  .meta({ id: "NodeWindow" });

/** One live node, as its last heartbeat in the registry describes it. */
export const ClusterNodeSchema = z
  .object({
    id: z.string(),
    /**
     * This process start (NODE_ID plus a random suffix). A node restarted with the same NODE_ID is a
     * new instance; the dead one's entry expires with its heartbeat.
     */
    instance: z.string(),
    /** host:port where the node listens (its first external IPv4 when it listens on 0.0.0.0). */
    address: z.string(),
    version: z.string(),
    started_at: isoDate,
    heartbeat_at: isoDate,
    /** Sockets connected to this node. */
    sockets: z.number().int().min(0),
    /** The host's load average over 1, 5 and 15 minutes (os.loadavg). */
    load: z.array(z.number()).length(3),
    /** CPUs this process may use (os.availableParallelism). */
    cores: z.number().int().positive(),
    /**
     * Cores this process kept busy over its last sampling window (user + system CPU time divided by
     * the window's wall time; 1 = one full core), within 0..cores. Null until the first window has passed.
     */
    cpu_cores_used: z.number().min(0).nullable(),
    /** The same as a share of all the host's cores: cpu_cores_used / cores × 100, within 0..100. */
    cpu_percent_of_host: z.number().min(0).max(100).nullable(),
    rss_bytes: z.number().int().min(0),
    heap_used_bytes: z.number().int().min(0),
    heap_total_bytes: z.number().int().min(0),
    /** Distinct users with a socket on this node. */
    users_online: z.number().int().min(0),
    /** This node's PostgreSQL pool: connections open, idle, and callers waiting for one. */
    pool: z.object({
      total: z.number().int().min(0),
      idle: z.number().int().min(0),
      waiting: z.number().int().min(0),
    }),
    /** Rates and latencies over the last sampling window; null until the first window has passed. */
    window: NodeWindowSchema.nullable(),
    /** The node that answered this request. */
    self: z.boolean(),
  })
  .meta({ id: "ClusterNode" });

/** The essentials of Redis INFO (and PUBSUB NUMPAT / CHANNELS) for the cluster view. */
export const RedisInfoSchema = z
  .object({
    version: z.string(),
    used_memory: z.number().int(),
    used_memory_human: z.string(),
    instantaneous_ops_per_sec: z.number(),
    connected_clients: z.number().int(),
    pubsub_channels: z.number().int(),
    pubsub_patterns: z.number().int(),
    /** Sharded pub/sub channels (Redis 7 SPUBLISH), null before Redis 7. */
    pubsub_shard_channels: z.number().int().nullable(),
    /** Channels under this cluster's key prefix (PUBSUB CHANNELS prefix*). */
    prefix_channels: z.number().int(),
    uptime_seconds: z.number().int(),
  })
  .meta({ id: "RedisInfo" });

export const ClusterResponse = z
  .object({
    /** `single`: no REDIS_URL, the node only knows itself. */
    mode: z.enum(["single", "cluster"]),
    /** The id of the node that answered. */
    self: z.string(),
    /** A node that misses heartbeats for this long drops out of `nodes`. */
    heartbeat_ttl_seconds: z.number().int().positive(),
    nodes: z.array(ClusterNodeSchema),
    totals: z.object({ nodes: z.number().int(), sockets: z.number().int() }),
    /** Null without Redis, or when Redis did not answer. */
    redis: RedisInfoSchema.nullable(),
  })
  .meta({ id: "ClusterView" });

/** A probe that did not answer within its timeout (or failed): the console shows "unreachable". */
const probeError = z.string().max(200).nullable();

/** Redis as the console shows it (ops/redis-health.ts); every figure null when it is unreachable. */
export const RedisHealthSchema = z
  .object({
    up: z.boolean(),
    /** Why it is not up ("timeout after 1000 ms", "connection refused"); null when up. */
    error: probeError,
    /** Round trip of one PING, ms. */
    latency_ms: z.number().min(0).nullable(),
    version: z.string().nullable(),
    used_memory: z.number().int().min(0).nullable(),
    /** `maxmemory`; 0 means no limit. */
    max_memory: z.number().int().min(0).nullable(),
    ops_per_second: z.number().min(0).nullable(),
    connected_clients: z.number().int().min(0).nullable(),
    pubsub_channels: z.number().int().min(0).nullable(),
    pubsub_patterns: z.number().int().min(0).nullable(),
    /** Sharded pub/sub channels (Redis 7 SPUBLISH); null before Redis 7. */
    pubsub_shard_channels: z.number().int().min(0).nullable(),
    slowlog_length: z.number().int().min(0).nullable(),
    /** master or slave (INFO replication), and the replicas a master has. */
    role: z.string().max(20).nullable(),
    connected_replicas: z.number().int().min(0).nullable(),
    cluster_enabled: z.boolean().nullable(),
  })
  .meta({ id: "RedisHealth" });

/** PostgreSQL as the answering node sees it (ops/postgres-health.ts). */
export const PostgresHealthSchema = z
  .object({
    up: z.boolean(),
    error: probeError,
    /** Round trip of `select 1` through the node's pool (waiting for a connection included), ms. */
    latency_ms: z.number().min(0).nullable(),
    database_bytes: z.number().int().min(0).nullable(),
    /** The answering node's pool (each node's own is in its entry). */
    pool: z.object({
      total: z.number().int().min(0),
      idle: z.number().int().min(0),
      waiting: z.number().int().min(0),
      max: z.number().int().min(0),
    }),
  })
  .meta({ id: "PostgresHealth" });

/** A count of keys by a bounded SCAN (ops/redis-figures.ts). */
const KeyCountSchema = z.object({
  keys: z.number().int().min(0),
  /** False when the SCAN budget ran out first: `keys` is then a lower bound ("at least"). */
  complete: z.boolean(),
});

/** This cluster's own share of Redis, under its key prefix (ops/overview-figures.ts). */
export const RedisFiguresSchema = z
  .object({
    /** Pub/sub channels under the prefix with a subscriber, and their subscriptions. */
    pubsub_channels: z.number().int().min(0),
    pubsub_subscribers: z.number().int().min(0),
    /** Sharded channels (SSUBSCRIBE) under the prefix and their subscriptions; null before Redis 7. */
    shard_channels: z.number().int().min(0).nullable(),
    shard_subscribers: z.number().int().min(0).nullable(),
    /** Pattern subscriptions of the whole server (the classic adapter holds one per node). */
    pubsub_patterns: z.number().int().min(0),
    /** Presence hashes and rate-limit windows. */
    presence_keys: KeyCountSchema,
    rate_limit_keys: KeyCountSchema,
  })
  .meta({ id: "RedisFigures" });

/** The cost of the cluster path: the live nodes' adapter traffic against their deliveries (last windows summed). */
export const ClusterPathSchema = z
  .object({
    adapter_published_per_second: z.number().min(0),
    adapter_received_per_second: z.number().min(0),
    adapter_published_bytes_per_second: z.number().min(0),
    adapter_received_bytes_per_second: z.number().min(0),
    deliveries_per_second: z.number().min(0),
    /** Adapter messages per delivery to a socket; null when nothing was delivered. */
    published_per_delivery: z.number().min(0).nullable(),
    received_per_delivery: z.number().min(0).nullable(),
  })
  .meta({ id: "ClusterPath" });

export const OverviewResponse = z
  .object({
    mode: z.enum(["single", "cluster"]),
    self: z.string(),
    /** When this answer was made (the page's chart time). */
    at: isoDate,
    heartbeat_ttl_seconds: z.number().int().positive(),
    /** At most MAX_OVERVIEW_NODES, by id; `truncated` says when more were live. */
    nodes: z.array(ClusterNodeSchema).max(64),
    truncated: z.boolean(),
    /** Null without Redis (a single node). */
    redis: RedisHealthSchema.nullable(),
    /** Null without Redis, or when Redis did not answer within the probe timeout. */
    redis_figures: RedisFiguresSchema.nullable(),
    cluster_path: ClusterPathSchema,
    postgres: PostgresHealthSchema,
  })
  .meta({ id: "AdminOverview" });
