/**
 * The Redis seams (presence, rate limits, node registry) on a Redis Cluster: the same contracts as
 * on one server, through ioredis' cluster client. A MULTI, MGET or script that touched keys of two
 * slots fails here with CROSSSLOT, so this is where the hash tags of the keys are proven.
 */
import { RedisNodeRegistry } from "../../src/cluster/node-registry.redis.ts";
import { RedisPresence } from "../../src/cluster/presence.redis.ts";
import { RedisRateLimiter } from "../../src/cluster/rate-limit.redis.ts";
import { redisCluster, usePrivateRedisCluster } from "./fixture.ts";
import { REGISTRY_TTL_SECONDS, fakeSnapshot, nodeRegistryContract } from "./node-registry.contract.ts";
import { PRESENCE_TTL_SECONDS, presenceContract } from "./presence.contract.ts";
import { rateLimitContract } from "./rate-limit.contract.ts";

const fail = (): never => {
  throw new Error("the Redis limiter fell back to memory during a contract test");
};
/** No memory fallback here: a limiter that quietly counted in memory would pass for Redis. */
const refuseFallback = { hit: async () => fail(), count: async () => fail(), refund: async () => fail() };

describe("contract: the Redis seams on a Redis Cluster (3 masters, 3 replicas)", () => {
  const redis = usePrivateRedisCluster();

  describe("presence", () => {
    presenceContract(
      () =>
        redisCluster(
          redis,
          (client, prefix, i) => new RedisPresence(client, prefix, `node-${i}~1`, PRESENCE_TTL_SECONDS),
          (p) => p.close(),
        ),
      { cluster: true },
    );
  });

  describe("rate limiter", () => {
    rateLimitContract(
      () =>
        redisCluster(
          redis,
          (client, prefix) => new RedisRateLimiter(client, prefix, { fallback: refuseFallback }),
        ),
      { cluster: true },
    );
  });

  describe("node registry", () => {
    nodeRegistryContract(
      (snapshot) =>
        redisCluster(
          redis,
          (client, prefix, i) =>
            new RedisNodeRegistry(
              client,
              prefix,
              i === 0 ? snapshot : fakeSnapshot(`node-b~${i}`).snapshot,
              REGISTRY_TTL_SECONDS,
            ),
          (r) => r.close(),
        ),
      { cluster: true },
    );
  });
});
