/**
 * Figures of the cluster's Redis that redis_exporter (1.45) does not give, each bounded in cost:
 * - pub/sub under this cluster's prefix: channels and subscribers, sharded ones too (Redis 7's
 *   PUBSUB SHARDCHANNELS / SHARDNUMSUB; null on an older Redis), and pattern subscriptions;
 * - how many presence and rate-limit keys exist, counted with SCAN MATCH under a budget of
 *   SCAN calls (never KEYS): past the budget the count is a lower bound and `complete` is false.
 * Used by the metrics (metrics.ts, sampled at most every few seconds) and open to the admin views.
 * On a Redis Cluster each master answers for its own channels and keys: the figures are summed
 * over the masters (eachMaster), each SCAN with its own budget.
 */
import type { Redis } from "ioredis";
import { eachMaster, type RedisClient } from "../cluster/redis-client.ts";

export interface RedisPubSubFigures {
  /** Channels under the prefix with at least one subscriber. */
  channels: number;
  /** Subscriptions to those channels (every node's sub client counts once per channel). */
  subscribers: number;
  /** Sharded channels (SSUBSCRIBE) under the prefix; null when Redis has no sharded pub/sub. */
  shardChannels: number | null;
  shardSubscribers: number | null;
  /** Pattern subscriptions of the whole server (the classic adapter uses one per node). */
  patterns: number;
}

export interface KeyCount {
  keys: number;
  /** False when the SCAN budget ran out before the cursor came back to 0. */
  complete: boolean;
}

export interface RedisKeyFigures {
  presence: KeyCount;
  rateLimit: KeyCount;
}

/** At most this many channels are asked about in one NUMSUB. */
const MAX_CHANNELS = 1000;

function sumNumsub(reply: unknown[]): number {
  let n = 0;
  for (let i = 1; i < reply.length; i += 2) n += Number(reply[i]) || 0;
  return n;
}

export async function redisPubSubFigures(redis: RedisClient, prefix: string): Promise<RedisPubSubFigures> {
  const each = await Promise.all(eachMaster(redis).map((node) => nodePubSubFigures(node, prefix)));
  const sum = (pick: (f: RedisPubSubFigures) => number | null) =>
    each.some((f) => pick(f) === null) ? null : each.reduce((n, f) => n + pick(f)!, 0);
  return {
    channels: sum((f) => f.channels)!,
    subscribers: sum((f) => f.subscribers)!,
    shardChannels: sum((f) => f.shardChannels),
    shardSubscribers: sum((f) => f.shardSubscribers),
    patterns: sum((f) => f.patterns)!,
  };
}

async function nodePubSubFigures(redis: Redis, prefix: string): Promise<RedisPubSubFigures> {
  const pattern = `${prefix}:*`;
  const [channels, patterns] = await Promise.all([
    redis.call("PUBSUB", "CHANNELS", pattern) as Promise<string[]>,
    redis.call("PUBSUB", "NUMPAT") as Promise<number>,
  ]);
  const subs = channels.length
    ? sumNumsub((await redis.call("PUBSUB", "NUMSUB", ...channels.slice(0, MAX_CHANNELS))) as unknown[])
    : 0;
  let shardChannels: number | null = null;
  let shardSubscribers: number | null = null;
  try {
    const shards = (await redis.call("PUBSUB", "SHARDCHANNELS", pattern)) as string[];
    shardChannels = shards.length;
    shardSubscribers = shards.length
      ? sumNumsub((await redis.call("PUBSUB", "SHARDNUMSUB", ...shards.slice(0, MAX_CHANNELS))) as unknown[])
      : 0;
  } catch {
    // Redis < 7: no sharded pub/sub; the figures stay null.
  }
  return {
    channels: channels.length,
    subscribers: subs,
    shardChannels,
    shardSubscribers,
    patterns: Number(patterns),
  };
}

/** Keys matching `match`, with at most `budget` SCAN calls of COUNT `count`. */
export async function countKeys(redis: Redis, match: string, budget = 20, count = 500): Promise<KeyCount> {
  let cursor = "0";
  let keys = 0;
  for (let i = 0; i < budget; i++) {
    const [next, batch] = await redis.scan(cursor, "MATCH", match, "COUNT", count);
    keys += batch.length;
    cursor = next;
    if (cursor === "0") return { keys, complete: true };
  }
  return { keys, complete: false };
}

/** Presence hashes (cluster/presence.redis.ts) and rate-limit windows (cluster/rate-limit.redis.ts). */
export async function redisKeyFigures(
  redis: RedisClient,
  prefix: string,
  budget = 20,
): Promise<RedisKeyFigures> {
  const count = async (match: string): Promise<KeyCount> => {
    const each = await Promise.all(eachMaster(redis).map((node) => countKeys(node, match, budget)));
    return { keys: each.reduce((n, c) => n + c.keys, 0), complete: each.every((c) => c.complete) };
  };
  const [presence, rateLimit] = await Promise.all([count(`${prefix}:presence:*`), count(`${prefix}:rl:*`)]);
  return { presence, rateLimit };
}
