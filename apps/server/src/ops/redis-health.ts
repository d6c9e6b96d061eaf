/**
 * Redis as the admin console shows it: a PING's round trip, then INFO (memory, ops/s, clients,
 * pub/sub channels and sharded ones, role and replicas, cluster mode), PUBSUB NUMPAT and SLOWLOG LEN.
 * Each step is bounded by the timeout; a Redis that does not answer is reported down, never waited on.
 */
import { eachMaster, type RedisClient } from "../cluster/redis-client.ts";
import type { z } from "zod";
import type { RedisHealthSchema } from "@chat/protocol";
import { probe } from "./probe.ts";

export type RedisHealth = z.output<typeof RedisHealthSchema>;

/** `key:value` lines of INFO, sections and comments skipped. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

const DOWN: Omit<RedisHealth, "up" | "error"> = {
  latency_ms: null,
  version: null,
  used_memory: null,
  max_memory: null,
  ops_per_second: null,
  connected_clients: null,
  pubsub_channels: null,
  pubsub_patterns: null,
  pubsub_shard_channels: null,
  slowlog_length: null,
  role: null,
  connected_replicas: null,
  cluster_enabled: null,
};

/** Redis reported down for `error`, no figure known. */
export function redisDown(error: string, latencyMs: number | null = null): RedisHealth {
  return { up: false, error, ...DOWN, latency_ms: latencyMs };
}

/** Of a Redis Cluster, its first master answers (the panel's role, memory and clients are that master's). */
export async function redisHealth(client: RedisClient, timeoutMs: number): Promise<RedisHealth> {
  const redis = eachMaster(client)[0];
  if (!redis) return redisDown("no master of the Redis Cluster is known");
  const ping = await probe(() => redis.ping(), timeoutMs);
  if (!ping.ok) return redisDown(ping.error);
  const rest = await probe(
    () =>
      Promise.all([
        redis.info(),
        redis.call("PUBSUB", "NUMPAT") as Promise<number>,
        redis.call("SLOWLOG", "LEN") as Promise<number>,
      ]),
    timeoutMs,
  );
  if (!rest.ok) return redisDown(rest.error, ping.ms);
  const [info, numpat, slowlog] = rest.value;
  const f = parseInfo(info);
  const int = (k: string) => (f.has(k) ? Math.max(0, Math.trunc(Number(f.get(k)))) || 0 : null);
  return {
    up: true,
    error: null,
    latency_ms: ping.ms,
    version: f.get("redis_version")?.slice(0, 40) ?? null,
    used_memory: int("used_memory"),
    max_memory: int("maxmemory"),
    ops_per_second: int("instantaneous_ops_per_sec"),
    connected_clients: int("connected_clients"),
    pubsub_channels: int("pubsub_channels"),
    pubsub_patterns: Math.max(0, Number(numpat) || 0),
    pubsub_shard_channels: int("pubsubshard_channels"),
    slowlog_length: Math.max(0, Number(slowlog) || 0),
    role: f.get("role")?.slice(0, 20) ?? null,
    connected_replicas: int("connected_slaves"),
    cluster_enabled: f.has("cluster_enabled") ? f.get("cluster_enabled") === "1" : null,
  };
}
