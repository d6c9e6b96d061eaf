/** The rate-limiter contract against both implementations. */
import { MemoryRateLimiter } from "../../src/cluster/rate-limit.memory.ts";
import { RedisRateLimiter } from "../../src/cluster/rate-limit.redis.ts";
import { usePrivateRedis } from "./fixture.ts";
import { rateLimitContract } from "./rate-limit.contract.ts";

describe("contract: rate limiter", () => {
  describe("memory", () => {
    rateLimitContract(async () => ({ impl: new MemoryRateLimiter(), cleanup: async () => {} }), {
      cluster: false,
    });
  });

  describe("redis", () => {
    const redis = usePrivateRedis();
    rateLimitContract(
      async () => {
        const prefix = redis.prefix();
        const clients: Array<{ disconnect(): void }> = [];
        const node = async () => {
          const client = await redis.client();
          clients.push(client);
          // No memory fallback here: a limiter that quietly counted in memory would pass for Redis.
          const impl = new RedisRateLimiter(client, prefix, { fallback: refuseFallback });
          return { impl, crash: () => client.disconnect() };
        };
        return {
          impl: (await node()).impl,
          otherNode: node,
          cleanup: async () => clients.forEach((c) => c.disconnect()),
        };
      },
      { cluster: true },
    );
  });
});

const fail = (): never => {
  throw new Error("the Redis limiter fell back to memory during a contract test");
};
const refuseFallback = { hit: async () => fail(), count: async () => fail(), refund: async () => fail() };
