/** The presence contract against both implementations. */
import { MemoryPresence } from "../../src/cluster/presence.memory.ts";
import { RedisPresence } from "../../src/cluster/presence.redis.ts";
import { redisCluster, usePrivateRedis } from "./fixture.ts";
import { PRESENCE_TTL_SECONDS, presenceContract } from "./presence.contract.ts";

describe("contract: presence", () => {
  describe("memory", () => {
    presenceContract(async () => ({ impl: new MemoryPresence(), cleanup: async () => {} }), {
      cluster: false,
    });
  });

  describe("redis", () => {
    const redis = usePrivateRedis();
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
});
