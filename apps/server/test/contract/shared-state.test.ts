/** cluster/shared-state.ts: the one choice of where presence, rate limits and the registry live. */
import { expect } from "chai";
import { sharedStateFrom, type SharedStateConfig } from "../../src/cluster/shared-state.ts";
import { MemoryNodeRegistry } from "../../src/cluster/node-registry.memory.ts";
import { RedisNodeRegistry } from "../../src/cluster/node-registry.redis.ts";
import { MemoryPresence } from "../../src/cluster/presence.memory.ts";
import { RedisPresence } from "../../src/cluster/presence.redis.ts";
import { MemoryRateLimiter } from "../../src/cluster/rate-limit.memory.ts";
import { RedisRateLimiter } from "../../src/cluster/rate-limit.redis.ts";
import { usePrivateRedis } from "./fixture.ts";
import { fakeSnapshot } from "./node-registry.contract.ts";

const base: SharedStateConfig = {
  REDIS_URL: undefined,
  REDIS_CLUSTER_NODES: undefined,
  REDIS_KEY_PREFIX: "shared-state",
  NODE_HEARTBEAT_SECONDS: 15,
  REDIS_BREAKER_MS: 5000,
};
const self = { instanceId: "n~1", snapshot: fakeSnapshot("n~1").snapshot };

describe("cluster: shared state is chosen in one place", () => {
  const redis = usePrivateRedis();

  it("without REDIS_URL: all three in this node's memory", async () => {
    const s = sharedStateFrom(base, undefined, self);
    expect(s.kind).to.equal("memory");
    expect(s.presence).to.be.instanceOf(MemoryPresence);
    expect(s.limiter).to.be.instanceOf(MemoryRateLimiter);
    expect(s.registry).to.be.instanceOf(MemoryNodeRegistry);
    await s.close();
    expect(await s.registry.list()).to.deep.equal([]);
  });

  it("with REDIS_URL: all three in Redis, and close withdraws this node", async () => {
    const client = await redis.client();
    try {
      const s = sharedStateFrom(
        { ...base, REDIS_URL: "redis://x", REDIS_KEY_PREFIX: redis.prefix() },
        client,
        self,
      );
      expect(s.kind).to.equal("redis");
      expect(s.presence).to.be.instanceOf(RedisPresence);
      expect(s.limiter).to.be.instanceOf(RedisRateLimiter);
      expect(s.registry).to.be.instanceOf(RedisNodeRegistry);
      expect((await s.registry.list()).map((e) => e.instance)).to.deep.equal(["n~1"]);
      await s.close();
      expect(await s.registry.list()).to.deep.equal([]);
    } finally {
      client.disconnect();
    }
  });

  it("a wiring mismatch fails loudly instead of running a cluster node on per-node state", async () => {
    expect(() => sharedStateFrom({ ...base, REDIS_URL: "redis://x" }, undefined, self)).to.throw(
      /no Redis client/,
    );
    const client = await redis.client();
    try {
      expect(() => sharedStateFrom(base, client, self)).to.throw(/REDIS_URL is not set/);
    } finally {
      client.disconnect();
    }
  });
});
