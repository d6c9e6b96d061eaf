/**
 * The node's subscriber client on a Redis Cluster (createRedisClient, role "sub": ioredis's sharded
 * subscribers), as the sharded adapter uses it: rooms' channels SSUBSCRIBEd one by one and many in
 * one tick (a reconnecting user joins all their chats at once). The master serving them is SIGKILLed;
 * once its replica is promoted, every channel must deliver again. Before the fix in redis-client.ts
 * (no auto-pipelining on the subscriber) only the first channel of each same-tick batch came back.
 * Also: the retries on the dead master are logged a line per node per 5 s, not each.
 */
import { expect } from "chai";
import { pino } from "pino";
import type { Cluster } from "ioredis";
import { createRedisClient, redisEndpoint } from "../../src/cluster/redis-client.ts";
import { usePrivateRedisCluster } from "./fixture.ts";
import { eventually, sleep } from "../support/wait.ts";

describe("contract: the sharded subscriber on a Redis Cluster, across a master failover", function () {
  this.timeout(90_000);
  const redis = usePrivateRedisCluster();

  it("every channel (subscribed alone or many in one tick) delivers again once the replica took over", async () => {
    const rc = redis.cluster();
    const endpoint = redisEndpoint({ REDIS_URL: undefined, REDIS_CLUSTER_NODES: rc.seeds })!;
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (l: string) => void lines.push(l) });
    const pub = createRedisClient(endpoint, log, { role: "pub", commandTimeoutMs: 1000 });
    const sub = createRedisClient(endpoint, log, { role: "sub" }) as Cluster;
    try {
      const prefix = redis.prefix();
      const channels = Array.from({ length: 30 }, (_, i) => `${prefix}:sio#/#chat:${i}#`);
      const last = new Map<string, number>();
      sub.on("smessageBuffer", (ch: Buffer) => last.set(ch.toString(), Date.now()));
      // Two alone, the rest in one tick (as the adapter does when a socket joins many rooms).
      await sub.ssubscribe(channels[0]);
      await sub.ssubscribe(channels[1]);
      await Promise.all(channels.slice(2).map((ch) => sub.ssubscribe(ch)));

      const victim = await rc.masterOf(channels[0]);
      const onVictim: string[] = [];
      for (const ch of channels) if ((await rc.masterOf(ch)).port === victim.port) onVictim.push(ch);
      expect(onVictim.length, "channels on the master to kill").to.be.greaterThan(2);

      const publishAll = () => Promise.all(channels.map((ch) => pub.spublish(ch, "x").catch(() => 0)));
      const deliveredSince = (t: number) => channels.filter((ch) => (last.get(ch) ?? 0) >= t);
      const before = Date.now();
      await publishAll();
      await eventually(() => expect(deliveredSince(before)).to.have.length(channels.length), 5000);

      const killedAt = Date.now();
      await victim.kill("SIGKILL");
      let backAt: number | undefined;
      while (!backAt && Date.now() - killedAt < 45_000) {
        const t = Date.now();
        await publishAll();
        await sleep(100);
        if (deliveredSince(t).length === channels.length) backAt = t;
      }
      const missing = channels.filter((ch) => (last.get(ch) ?? 0) < Date.now() - 2000);
      expect(
        backAt,
        `never back; silent: ${missing.length} of ${onVictim.length} on the killed master`,
      ).to.be.a("number");
      console.log(
        `      sharded subscriber: master :${victim.port} SIGKILLed, all ${channels.length} channels ` +
          `(${onVictim.length} on it) delivering again after ${backAt! - killedAt} ms`,
      );
      // The dead master is asked again every few ms until then: a line per node per 5 s, not each time.
      const nodeErrors = lines.filter((l) => l.includes("redis cluster node error")).length;
      const windows = Math.ceil((backAt! - killedAt) / 5000) + 1;
      expect(nodeErrors, "node error lines").to.be.at.most(2 * windows); // pub and sub clients
      await victim.start(); // back as a replica: a whole cluster for the tests after this one
      await rc.waitHealthy(45_000);
    } finally {
      pub.disconnect();
      sub.disconnect();
    }
  });
});
