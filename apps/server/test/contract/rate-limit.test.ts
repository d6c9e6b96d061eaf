/** The rate-limiter contract against both implementations. */
import { MemoryRateLimiter } from "../../src/cluster/rate-limit.memory.ts";
import { RedisRateLimiter } from "../../src/cluster/rate-limit.redis.ts";
import { redisCluster, usePrivateRedis } from "./fixture.ts";
import { rateLimitContract } from "./rate-limit.contract.ts";

const fail = (): never => {
  throw new Error("the Redis limiter fell back to memory during a contract test");
};
/** No memory fallback here: a limiter that quietly counted in memory would pass for Redis. */
const refuseFallback = { hit: async () => fail(), count: async () => fail(), refund: async () => fail() };

describe("contract: rate limiter", () => {
  describe("memory", () => {
    rateLimitContract(async () => ({ impl: new MemoryRateLimiter(), cleanup: async () => {} }), {
      cluster: false,
    });
  });

  describe("redis", () => {
    const redis = usePrivateRedis();
    rateLimitContract(
      () =>
        redisCluster(
          redis,
          (client, prefix) => new RedisRateLimiter(client, prefix, { fallback: refuseFallback }),
        ),
      { cluster: true },
    );
  });
});
