/** The node-registry contract against both implementations. */
import type { NodeSnapshot } from "../../src/cluster/node-registry.ts";
import { MemoryNodeRegistry } from "../../src/cluster/node-registry.memory.ts";
import { RedisNodeRegistry } from "../../src/cluster/node-registry.redis.ts";
import { usePrivateRedis } from "./fixture.ts";
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
      async (snapshot) => {
        const prefix = redis.prefix();
        const started: Array<() => Promise<void>> = [];
        const node = async (s: () => NodeSnapshot) => {
          const client = await redis.client();
          const impl = new RedisNodeRegistry(client, prefix, s, REGISTRY_TTL_SECONDS);
          started.push(async () => {
            await impl.close();
            client.disconnect();
          });
          return { impl, crash: () => client.disconnect() };
        };
        return {
          impl: (await node(snapshot)).impl,
          otherNode: () => node(fakeSnapshot("node-b~1").snapshot),
          cleanup: async () => {
            for (const stop of started) await stop();
          },
        };
      },
      { cluster: true },
    );
  });
});
