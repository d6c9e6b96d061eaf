/**
 * A master of the Redis Cluster SIGKILLed under traffic (the redis-cluster test group only: it needs
 * TEST_REDIS=cluster). The master killed is the one serving the chat's sharded channel (and the
 * member's user room), so the chat's cross-node fan-out goes through it. Its replica is promoted by
 * the cluster itself (no CLUSTER FAILOVER); the nodes' cluster clients find the new owner of the
 * slots and move their SSUBSCRIBEs there. What must hold: every acked message reaches every device (what the failover
 * window lost live is filled by the client's gap sync), live cross-node delivery is back within
 * seconds (measured and printed), and membership changes and presence work on the promoted cluster.
 * Then the whole cluster stalled (every server SIGSTOPped): each call answers within its bound.
 *
 * This test once left live cross-node delivery down for good in 3 of 5 runs: a device joins its user
 * room and its chats' rooms in one tick, the subscriber client auto-pipelined those SSUBSCRIBEs, and
 * ioredis noted only the first of them for its resubscribe after a failover (fixed in redis-client.ts;
 * test/contract/sharded-subscriber-failover.test.ts isolates it).
 */
import { expect } from "chai";
import type { Message } from "@chat/client";
import request from "supertest";
import { onRedisCluster, tail, useCluster } from "./cluster-fixture.ts";
import { record } from "./devices.ts";
import type { RedisClusterServer } from "../../src/launcher/redis-cluster-process.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { connectSocket, probes } from "../faults/stall-probes.ts";
import { eventually, sleep } from "../support/wait.ts";

(onRedisCluster ? describe : describe.skip)(
  "cluster: a Redis Cluster master SIGKILLed under traffic (TEST_REDIS=cluster)",
  function () {
    this.timeout(120_000);
    const c = useCluster();
    let victim: RedisClusterServer | undefined;

    after(async function () {
      this.timeout(60_000);
      // Back as a replica of its successor, so the tests after this one have a whole cluster again.
      if (victim && !victim.alive()) {
        await victim.start();
        await c.redis.cluster!.waitHealthy(45_000);
      }
    });

    it("0 acked messages lost, cross-node delivery back within seconds, membership and presence on the promoted cluster", async () => {
      const rc = c.redis.cluster!;
      const [n1, n2, n3] = c.urls;
      // The sharded adapter's channel of a room (socket-broadcast.ts, "dynamic" mode).
      const channel = (room: string) => `${c.env.REDIS_KEY_PREFIX}:sio#/#${room}#`;
      const u = await createUser(n1, "U");
      const v = await createUser(n2, "V");
      // The victim serves U's user room too: a device joins its user room and its chats' rooms in one
      // tick, and a chat subscribed behind another room on the same master is what once stayed
      // silent after the failover (see above). A new chat lands on that master about 1 time in 3.
      victim = await rc.masterOf(channel(`user:${u.id}`));
      let chatId = 0;
      for (let i = 0; i < 30 && !chatId; i++) {
        const id = await createGroup(n1, u, [v]);
        if ((await rc.masterOf(channel(`chat:${id}`))).port === victim.port) chatId = id;
      }
      expect(chatId, "a chat on the master of U's user room").to.be.above(0);
      const a = await c.devices.connect(n1, u);
      const b = await c.devices.connect(n3, u);
      const sv = await c.devices.connect(n2, v);
      a.track(chatId, 0);
      b.track(chatId, 0);
      const mastersBefore = (await rc.masters()).map((s) => s.port);

      // `order`: what the app got (live or filled in by sync); `live`: when a live event brought it.
      const arrived = [a, b].map((d) => {
        const live = new Map<number, number>();
        const order: Message[] = [];
        d.on("message", (m) => m.chat_id === chatId && order.push(m));
        const seen = (m: Message) => m.chat_id === chatId && !live.has(m.id) && live.set(m.id, Date.now());
        d.socket.on("message:new", seen);
        d.socket.on("message:batch", (batch) => batch.messages.forEach(seen));
        return { live, order };
      });
      const acked: Array<{ m: Message; at: number }> = [];
      let failedSends = 0;
      /** When the message had reached every device live (undefined: some device got it by sync only). */
      const liveEverywhere = (x: { m: Message }) => {
        const times = arrived.map((d) => d.live.get(x.m.id));
        return times.every((t) => t !== undefined) ? Math.max(...(times as number[])) : undefined;
      };

      let killedAt = 0;
      let backAt: number | undefined;
      for (let i = 0; ; i++) {
        try {
          const { message } = await sv.send(chatId, `tick ${i}`);
          acked.push({ m: message, at: Date.now() });
        } catch {
          failedSends++; // not acked: the sender would retry (idempotent send); not counted as lost
        }
        if (i === 20) {
          killedAt = Date.now();
          await victim.kill("SIGKILL");
        }
        if (killedAt && backAt === undefined) {
          // Back: the first moment a message acked after the kill had reached every device live.
          const times = acked.filter((x) => x.at > killedAt).map(liveEverywhere);
          const done = times.filter((t): t is number => t !== undefined);
          if (done.length > 0) backAt = Math.min(...done);
        }
        if (backAt !== undefined && acked.filter((x) => x.at > backAt!).length >= 30) break;
        if (killedAt && Date.now() - killedAt > 45_000) break;
        await sleep(20);
      }
      const logs = c.nodes.map((n, i) => `node ${i + 1}:\n${tail(n, 12)}`).join("\n");
      expect(backAt, `live delivery never came back; the nodes' last lines:\n${logs}`).to.be.a("number");

      // Every acked message reached both devices once, in seq order (gaps filled by sync).
      await eventually(() => {
        for (const d of arrived) {
          const ids = new Set(d.order.map((m) => m.id));
          expect(acked.filter((x) => !ids.has(x.m.id)).length, "acked messages missing").to.equal(0);
        }
      }, 15_000);
      for (const d of arrived) {
        const seqs = d.order.map((m) => m.seq);
        expect(seqs, "once each, in order").to.deep.equal([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).to.equal(seqs.length);
      }
      const afterKill = acked.filter((x) => x.at > killedAt);
      const lateOnes = afterKill.filter((x) => liveEverywhere(x) === undefined).length;
      const liveLatencies = acked.map((x) => (liveEverywhere(x) ?? x.at) - x.at);
      const maxLatency = Math.max(...liveLatencies);
      console.log(
        `      Redis Cluster failover: master :${victim.port} SIGKILLed; live cross-node delivery back after ` +
          `${backAt! - killedAt} ms; ${acked.length} acked, 0 lost; ${lateOnes} of ${afterKill.length} ` +
          `after the kill reached a device by sync only; ${failedSends} sends refused; worst live delivery ${maxLatency} ms`,
      );
      expect(backAt! - killedAt, "cross-node delivery back within seconds").to.be.below(15_000);

      // The replica took over: three masters again, the victim not among them.
      await eventually(async () => {
        const masters = (await rc.masters()).map((s) => s.port);
        expect(masters).to.have.length(3);
        expect(masters).to.not.include(victim!.port);
        expect(masters).to.not.deep.equal(mastersBefore);
      }, 15_000);

      // Membership on the promoted cluster: W, with a device on node 3, is added through node 1.
      const w: TestUser = await createUser(n3, "W");
      const sw = await c.devices.connect(n3, w);
      const added = record(sw, "chat:added");
      const got: Message[] = [];
      sw.on("message", (m) => got.push(m));
      await request(n1).post(`/api/v1/chats/${chatId}/members?user_id=${w.id}`).set(u.auth).expect(200);
      await eventually(() => expect(added.map((e) => e.chat.id)).to.deep.equal([chatId]));
      const hello = (await sv.send(chatId, "welcome W")).message;
      await eventually(() => expect(got.map((m) => m.id)).to.include(hello.id));

      // Presence through the promoted cluster: W online on every node, offline once W's device left.
      const presenceOf = async (url: string) =>
        (await request(url).get(`/api/v1/users/${w.id}/presence`).set(v.auth).expect(200)).body as {
          online: boolean;
        };
      for (const url of [n1, n2, n3]) expect((await presenceOf(url)).online, url).to.equal(true);
      sw.close();
      await eventually(async () => {
        for (const url of [n1, n2, n3]) expect((await presenceOf(url)).online, url).to.equal(false);
      });

      // The victim back, as a replica of its successor: a whole cluster for what follows.
      await victim.start();
      await rc.waitHealthy(45_000);
    });

    it("the whole Redis Cluster stalled (every server SIGSTOPped): sends ack, presence 503 unavailable, /readyz degraded, each within seconds; fan-out back after", async () => {
      const [n1, n2] = c.urls;
      const u = await createUser(n1, "U");
      const v = await createUser(n2, "V");
      const chatId = await createGroup(n1, u, [v]);
      const sock = connectSocket(n1, u.token);
      await new Promise<void>((r, j) => (sock.once("connect", () => r()), sock.once("connect_error", j)));
      const CAP = 8000;
      c.redis.pause();
      let during;
      try {
        during = {
          socketSend: await probes.socketSend(sock, chatId, CAP),
          presence: await probes.presence(n2, v, u.id, CAP),
          token: await probes.token(n1, u, CAP),
          handshake: await probes.handshake(n2, v, CAP),
          readyz: await probes.readyz(n1, CAP),
        };
      } finally {
        c.redis.resume();
        sock.close();
      }
      console.log(
        "      Redis Cluster stalled: " +
          Object.entries(during)
            .map(([k, p]) => `${k} ${p.ms} ms (${p.outcome})`)
            .join(", "),
      );
      // REDIS_COMMAND_TIMEOUT_MS (1 s) bounds each Redis call; a few of them in a row, plus slack.
      for (const [k, p] of Object.entries(during)) expect(p.ms, k).to.be.below(4000);
      expect(during.socketSend.outcome).to.equal("ok");
      expect(during.presence.outcome).to.equal("503 unavailable");
      expect(during.token.outcome).to.equal("ok");
      expect(during.handshake.outcome).to.equal("ok");
      expect(during.readyz.body).to.deep.equal({
        status: "degraded",
        checks: { database: "ok", redis: "down" },
      });
      await c.redis.cluster!.waitHealthy(45_000);
      // Cross-node fan-out is back once the cluster is (the sharded subscribers reconnected).
      const sa = await c.devices.connect(c.urls[2], u);
      const sb = await c.devices.connect(n2, v);
      const got: Message[] = [];
      sa.on("message", (m) => got.push(m));
      await eventually(async () => {
        const m = (await sb.send(chatId, "after the stall")).message;
        await eventually(() => expect(got.map((x) => x.id)).to.include(m.id), 2000);
      }, 20_000);
      await eventually(
        async () => expect((await probes.presence(n2, v, u.id, CAP)).outcome).to.equal("ok"),
        15_000,
      );
    });
  },
);
