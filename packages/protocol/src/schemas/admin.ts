import { z } from "zod";
import { isoDate } from "./common.ts";

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
    /** This process's CPU use since the previous heartbeat, in percent of one core. */
    cpu_percent: z.number().min(0),
    rss_bytes: z.number().int().min(0),
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
