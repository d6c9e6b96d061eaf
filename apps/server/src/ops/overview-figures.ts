/**
 * The admin overview's figures of issue 19 item 3 that are not one node's own: this cluster's
 * pub/sub and key counts in Redis (redis-figures.ts, under a SCAN budget and the probe timeout), and
 * the cost of the cluster path, adapter messages per delivery to a socket, summed over the live
 * nodes' last windows (the Grafana panel "Cluster path cost" computes the same from Prometheus).
 */
import type { RedisClient } from "../cluster/redis-client.ts";
import type { z } from "zod";
import type { ClusterPathSchema, RedisFiguresSchema } from "@chat/protocol";
import type { NodeSnapshot } from "../cluster/node-registry.ts";
import { probe } from "./probe.ts";
import { redisKeyFigures, redisPubSubFigures } from "./redis-figures.ts";

export type RedisFigures = z.output<typeof RedisFiguresSchema>;
export type ClusterPath = z.output<typeof ClusterPathSchema>;

/**
 * SCAN calls (COUNT 500 each) per key kind for one overview: up to ~5,000 keys looked at per kind,
 * a few ms of Redis time; past it the count says "at least".
 */
export const OVERVIEW_SCAN_BUDGET = 10;

/** Null when Redis does not answer within `timeoutMs` (the Redis panel says why). */
export async function redisFiguresOf(
  redis: RedisClient,
  prefix: string,
  timeoutMs: number,
  budget = OVERVIEW_SCAN_BUDGET,
): Promise<RedisFigures | null> {
  const p = await probe(
    () => Promise.all([redisPubSubFigures(redis, prefix), redisKeyFigures(redis, prefix, budget)]),
    timeoutMs,
  );
  if (!p.ok) return null;
  const [ps, ks] = p.value;
  return {
    pubsub_channels: ps.channels,
    pubsub_subscribers: ps.subscribers,
    shard_channels: ps.shardChannels,
    shard_subscribers: ps.shardSubscribers,
    pubsub_patterns: ps.patterns,
    presence_keys: ks.presence,
    rate_limit_keys: ks.rateLimit,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Sums of the nodes' windows (a node without a finished window counts 0) and their ratios. */
export function clusterPath(nodes: Array<Pick<NodeSnapshot, "window">>): ClusterPath {
  let published = 0;
  let received = 0;
  let publishedBytes = 0;
  let receivedBytes = 0;
  let deliveries = 0;
  for (const { window: w } of nodes) {
    if (!w) continue;
    published += w.adapter_published_per_second;
    received += w.adapter_received_per_second;
    publishedBytes += w.adapter_published_bytes_per_second;
    receivedBytes += w.adapter_received_bytes_per_second;
    deliveries += w.deliveries_per_second;
  }
  return {
    adapter_published_per_second: round(published),
    adapter_received_per_second: round(received),
    adapter_published_bytes_per_second: round(publishedBytes),
    adapter_received_bytes_per_second: round(receivedBytes),
    deliveries_per_second: round(deliveries),
    published_per_delivery: deliveries > 0 ? round(published / deliveries) : null,
    received_per_delivery: deliveries > 0 ? round(received / deliveries) : null,
  };
}
