/**
 * The one place that chooses where the state shared by a cluster's nodes lives: presence, rate-limit
 * windows and the node registry are all in Redis (REDIS_URL or REDIS_CLUSTER_NODES set: every node
 * sees the same) or all
 * in this node's memory (a single node). Never a mix: a cluster counting rate limits per node
 * while sharing presence would be a cluster that half-works.
 */
import type { RedisClient } from "./redis-client.ts";
import type { Config } from "../config/env.ts";
import type { NodeRegistry, NodeSnapshot } from "./node-registry.ts";
import { MemoryNodeRegistry } from "./node-registry.memory.ts";
import { RedisNodeRegistry } from "./node-registry.redis.ts";
import type { Presence } from "./presence.ts";
import { MemoryPresence } from "./presence.memory.ts";
import { RedisPresence } from "./presence.redis.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { MemoryRateLimiter } from "./rate-limit.memory.ts";
import { RedisRateLimiter } from "./rate-limit.redis.ts";

export type SharedStateKind = "memory" | "redis";

export interface SharedState {
  kind: SharedStateKind;
  presence: Presence;
  limiter: RateLimiter;
  registry: NodeRegistry;
  /** Withdraws this node: its devices and its registry entry (graceful shutdown). */
  close(): Promise<void>;
}

export type SharedStateConfig = Pick<
  Config,
  "REDIS_URL" | "REDIS_CLUSTER_NODES" | "REDIS_KEY_PREFIX" | "NODE_HEARTBEAT_SECONDS" | "REDIS_BREAKER_MS"
>;

/** Redis when REDIS_URL or REDIS_CLUSTER_NODES is set, else memory. */
function sharedStateKind(config: Pick<Config, "REDIS_URL" | "REDIS_CLUSTER_NODES">): SharedStateKind {
  return config.REDIS_URL || config.REDIS_CLUSTER_NODES ? "redis" : "memory";
}

/**
 * Builds the three seams for this process start. `redis` is the data client of REDIS_URL (or of the
 * cluster of REDIS_CLUSTER_NODES); a client
 * without REDIS_URL, or REDIS_URL without a client, is a wiring mistake and throws rather than
 * silently running a cluster node on per-node state.
 */
export function sharedStateFrom(
  config: SharedStateConfig,
  redis: RedisClient | undefined,
  self: {
    /** This process start (node.ts): what presence and the registry key their entries by. */
    instanceId: string;
    snapshot: () => NodeSnapshot;
  },
): SharedState {
  const kind = sharedStateKind(config);
  const ttl = config.NODE_HEARTBEAT_SECONDS;
  const prefix = config.REDIS_KEY_PREFIX;
  let state: Omit<SharedState, "close" | "kind">;
  switch (kind) {
    case "memory":
      if (redis)
        throw new Error(
          "Shared state: a Redis client was given but REDIS_URL is not set (nor REDIS_CLUSTER_NODES)",
        );
      state = {
        presence: new MemoryPresence(),
        limiter: new MemoryRateLimiter(),
        registry: new MemoryNodeRegistry(self.snapshot, ttl),
      };
      break;
    case "redis":
      if (!redis) throw new Error("Shared state: Redis is configured but no Redis client was given");
      state = {
        presence: new RedisPresence(redis, prefix, self.instanceId, ttl),
        limiter: new RedisRateLimiter(redis, prefix, { breakerMs: config.REDIS_BREAKER_MS }),
        registry: new RedisNodeRegistry(redis, prefix, self.snapshot, ttl),
      };
      break;
    default: {
      const unknown: never = kind;
      throw new Error(`Shared state: unknown choice "${String(unknown)}" (memory or redis)`);
    }
  }
  return {
    kind,
    ...state,
    async close() {
      await state.presence.close();
      await state.registry.close();
    },
  };
}
