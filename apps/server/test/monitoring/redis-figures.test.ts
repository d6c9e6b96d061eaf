/**
 * The Redis figures the nodes add to what redis_exporter gives (ops/redis-figures.ts,
 * ops/adapter-traffic.ts): bounded key counts, sharded pub/sub, and the adapter's traffic counted
 * on each node with the classic and the sharded adapter.
 */
import { expect } from "chai";
import { Redis } from "ioredis";
import { ChatSocket } from "@chat/client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import { countKeys, redisKeyFigures, redisPubSubFigures } from "../../src/ops/redis-figures.ts";
import { startTwoNodes, stopTwoNodes, type TwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

describe("redis figures: bounded key counts and pub/sub under the prefix", () => {
  let server: RedisProcess;
  let redis: Redis;
  before(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    const pipe = redis.pipeline();
    for (let i = 0; i < 3000; i++) pipe.set(`p:presence:${i}`, "1");
    for (let i = 0; i < 40; i++) pipe.set(`p:rl:send-user:${i}`, "1");
    for (let i = 0; i < 500; i++) pipe.set(`other:presence:${i}`, "1");
    await pipe.exec();
  });
  after(async () => {
    await redis?.quit();
    await server?.stop();
  });

  it("counts presence and rate-limit keys of its prefix only, completely when the budget allows", async () => {
    expect(await redisKeyFigures(redis, "p")).to.deep.equal({
      presence: { keys: 3000, complete: true },
      rateLimit: { keys: 40, complete: true },
    });
  });

  it("stops at its SCAN budget and says the count is a lower bound", async () => {
    const c = await countKeys(redis, "p:presence:*", 2, 100);
    expect(c.complete).to.equal(false);
    expect(c.keys).to.be.below(3000);
  });

  it("sees classic and sharded channels under the prefix with their subscribers", async () => {
    const sub = new Redis(server.url);
    const other = new Redis(server.url);
    try {
      await sub.subscribe("p:sio#/#a", "p:sio#/#b");
      await other.subscribe("p:sio#/#a", "elsewhere");
      await sub.ssubscribe("p:sio#/#room#");
      await sub.psubscribe("p:sio#/#*");
      const f = await redisPubSubFigures(redis, "p");
      expect(f).to.deep.equal({
        channels: 2,
        subscribers: 3,
        shardChannels: 1,
        shardSubscribers: 1,
        patterns: 1,
      });
    } finally {
      sub.disconnect();
      other.disconnect();
    }
  });
});

/** A counter's value for the given labels in a Prometheus text exposition. */
function counter(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(" ").at(-1)) : NaN;
}

for (const adapter of ["classic", "sharded"]) {
  describe(`adapter traffic per node (REDIS_ADAPTER=${adapter})`, () => {
    let t: TwoNodes | undefined;
    const sockets: ChatSocket[] = [];
    before(async function () {
      this.timeout(30_000);
      t = await startTwoNodes({ REDIS_ADAPTER: adapter });
    });
    after(async () => {
      for (const s of sockets) s.close();
      await stopTwoNodes(t);
    });

    it("counts the messages and bytes each node publishes and receives on the adapter's channels", async () => {
      const { a, b } = t!;
      const ua = await createUser(a.url, "A");
      const ub = await createUser(b.url, "B");
      const chatId = await createGroup(a.url, ua, [ub]);
      const sa = new ChatSocket(a.url, { token: ua.token, transports: ["websocket"] });
      const sb = new ChatSocket(b.url, { token: ub.token, transports: ["websocket"] });
      sockets.push(sa, sb);
      await Promise.all([sa.ready(), sb.ready()]);
      const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
      const before = await scrape(b.url);
      const text = "x".repeat(1000);
      for (let i = 0; i < 5; i++) await sa.send(chatId, text);
      await eventually(async () => {
        const [ma, mb] = await Promise.all([scrape(a.url), scrape(b.url)]);
        // Node a published at least the 5 messages (each over 1000 bytes); node b received them.
        expect(counter(ma, "chat_adapter_messages_total", 'direction="published"')).to.be.at.least(5);
        expect(counter(ma, "chat_adapter_bytes_total", 'direction="published"')).to.be.at.least(5000);
        const got =
          counter(mb, "chat_adapter_messages_total", 'direction="received"') -
          counter(before, "chat_adapter_messages_total", 'direction="received"');
        expect(got).to.be.at.least(5);
        expect(counter(mb, "chat_adapter_bytes_total", 'direction="received"')).to.be.at.least(5000);
      }, 5000);
    });
  });
}
