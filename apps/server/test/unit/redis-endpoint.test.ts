/** REDIS_URL / REDIS_CLUSTER_NODES and REDIS_ADAPTER read into one Redis endpoint, refused when they cannot apply. */
import { expect } from "chai";
import { adapterKind, redisEndpoint, type RedisEndpoint } from "../../src/cluster/redis-client.ts";

const none = { REDIS_URL: undefined, REDIS_CLUSTER_NODES: undefined };

describe("unit: the Redis endpoint from the environment", () => {
  it("none, one server, or a cluster's seeds (host:port or redis:// with credentials)", () => {
    expect(redisEndpoint(none)).to.equal(undefined);
    expect(redisEndpoint({ ...none, REDIS_URL: "redis://r:6379" })).to.deep.equal({
      kind: "single",
      url: "redis://r:6379",
    });
    expect(
      redisEndpoint({ ...none, REDIS_CLUSTER_NODES: " a:7000, redis://u:p%40ss@b:7001 ,redis://:x@c:7002" }),
    ).to.deep.equal({
      kind: "cluster",
      seeds: [
        { host: "a", port: 7000 },
        { host: "b", port: 7001 },
        { host: "c", port: 7002 },
      ],
      username: "u",
      password: "p@ss",
    });
  });

  it("refuses both at once, TLS to a cluster, an entry without a port, and an empty list", () => {
    expect(() => redisEndpoint({ REDIS_URL: "redis://r", REDIS_CLUSTER_NODES: "a:1" })).to.throw(/both set/);
    expect(() => redisEndpoint({ ...none, REDIS_CLUSTER_NODES: "rediss://a:7000" })).to.throw(
      /not supported/,
    );
    expect(() => redisEndpoint({ ...none, REDIS_CLUSTER_NODES: "a" })).to.throw(/not host:port/);
    expect(() => redisEndpoint({ ...none, REDIS_CLUSTER_NODES: " , " })).to.throw(/lists no node/);
  });

  it("the adapter: classic by default on one server, sharded (only) on a cluster", () => {
    const single: RedisEndpoint = { kind: "single", url: "redis://r" };
    const cluster: RedisEndpoint = { kind: "cluster", seeds: [{ host: "a", port: 1 }] };
    expect(adapterKind({ REDIS_ADAPTER: undefined }, single)).to.equal("classic");
    expect(adapterKind({ REDIS_ADAPTER: "sharded" }, single)).to.equal("sharded");
    expect(adapterKind({ REDIS_ADAPTER: undefined }, cluster)).to.equal("sharded");
    expect(() => adapterKind({ REDIS_ADAPTER: "classic" }, cluster)).to.throw(/sharded adapter only/);
  });
});
