/** The node-registry contract against both implementations. */
import { MemoryNodeRegistry } from "../../src/cluster/node-registry.memory.ts";
import { RedisNodeRegistry } from "../../src/cluster/node-registry.redis.ts";
import { redisCluster, usePrivateRedis } from "./fixture.ts";
import { REGISTRY_TTL_SECONDS, fakeSnapshot, nodeRegistryContract } from "./node-registry.contract.ts";

describe("contract: node registry", () => {
  describe("memory", () => {
    nodeRegistryContract(
      async (snapshot) => ({
        impl: new MemoryNodeRegistry(snapshot, REGISTRY_TTL_SECONDS),
        cleanup: async () => {},
      }),
      { cluster: false },
    );
  });

  describe("redis", () => {
    const redis = usePrivateRedis();
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
