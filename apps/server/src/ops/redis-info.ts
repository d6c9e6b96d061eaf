/**
 * The essentials of Redis INFO for the cluster view: version, memory, ops/s, clients, pub/sub. On a
 * Redis Cluster the figures are summed over the masters (uptime: the shortest).
 */
import type { Redis } from "ioredis";
import { eachMaster, type RedisClient } from "../cluster/redis-client.ts";
import type { z } from "zod";
import type { RedisInfoSchema } from "@chat/protocol";

export type RedisInfo = z.output<typeof RedisInfoSchema>;

/** `key:value` lines of INFO, sections and comments skipped. */
function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** Null when Redis does not answer within `timeoutMs` (the view still lists what it can). */
export async function redisInfo(
  redis: RedisClient,
  prefix: string,
  timeoutMs = 2000,
): Promise<RedisInfo | null> {
  const query = async (): Promise<RedisInfo> => {
    const each = await Promise.all(eachMaster(redis).map((node) => nodeInfo(node, prefix)));
    if (each.length === 1) return each[0];
    const sum = (k: "used_memory" | "instantaneous_ops_per_sec" | "connected_clients" | "pubsub_channels") =>
      each.reduce((n, i) => n + i[k], 0);
    const shard = each.every((i) => i.pubsub_shard_channels !== null);
    return {
      ...each[0],
      used_memory: sum("used_memory"),
      used_memory_human: `${(sum("used_memory") / 1048576).toFixed(2)}M`,
      instantaneous_ops_per_sec: sum("instantaneous_ops_per_sec"),
      connected_clients: sum("connected_clients"),
      pubsub_channels: sum("pubsub_channels"),
      pubsub_patterns: each.reduce((n, i) => n + i.pubsub_patterns, 0),
      pubsub_shard_channels: shard ? each.reduce((n, i) => n + i.pubsub_shard_channels!, 0) : null,
      prefix_channels: each.reduce((n, i) => n + i.prefix_channels, 0),
      uptime_seconds: Math.min(...each.map((i) => i.uptime_seconds)),
    };
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
  try {
    return await Promise.race([query().catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function nodeInfo(redis: Redis, prefix: string): Promise<RedisInfo> {
  const [info, numpat, prefixed] = await Promise.all([
    redis.info(),
    redis.call("PUBSUB", "NUMPAT") as Promise<number>,
    redis.call("PUBSUB", "CHANNELS", `${prefix}*`) as Promise<string[]>,
  ]);
  const f = parseInfo(info);
  const num = (k: string) => Number(f.get(k) ?? 0);
  return {
    version: f.get("redis_version") ?? "unknown",
    used_memory: num("used_memory"),
    used_memory_human: f.get("used_memory_human") ?? "",
    instantaneous_ops_per_sec: num("instantaneous_ops_per_sec"),
    connected_clients: num("connected_clients"),
    pubsub_channels: num("pubsub_channels"),
    pubsub_patterns: Number(numpat),
    pubsub_shard_channels: f.has("pubsubshard_channels") ? num("pubsubshard_channels") : null,
    prefix_channels: prefixed.length,
    uptime_seconds: num("uptime_in_seconds"),
  };
}
