/** The presence contract against both implementations. */
import { MemoryPresence } from "../../src/cluster/presence.memory.ts";
import { RedisPresence } from "../../src/cluster/presence.redis.ts";
import { usePrivateRedis } from "./fixture.ts";
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
      async () => {
        const prefix = redis.prefix();
        const started: Array<() => Promise<void>> = [];
        const node = async (instance: string) => {
          const client = await redis.client();
          const impl = new RedisPresence(client, prefix, instance, PRESENCE_TTL_SECONDS);
          started.push(async () => {
            await impl.close();
            client.disconnect();
          });
          return { impl, crash: () => client.disconnect() };
        };
        const a = await node("a~1");
        let n = 0;
        return {
          impl: a.impl,
          otherNode: () => node(`b~${++n}`),
          cleanup: async () => {
            for (const stop of started) await stop();
          },
        };
      },
      { cluster: true },
    );
  });
});
