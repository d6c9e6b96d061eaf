/**
 * The figures of issue 12, item 3 (not part of the suite: run it by name):
 *   TEST_DATABASE_URL=… npx mocha test/faults/stall-measure.bench.ts
 * The node runs with its default timeouts and rate limits; Redis is SIGSTOPped for 15 s, then
 * PostgreSQL is stalled for 15 s behind the proxy. At the start of each stall every probe is fired
 * at once (capped at 20 s), and the time each took is printed.
 */
import { startRedis } from "../../src/launcher/redis-process.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { startStallProxy } from "../support/stall-proxy.ts";
import { createGroup, createUser } from "../support/users.ts";
import { connectSocket, probes, redisPid } from "./stall-probes.ts";

const STALL_MS = 15_000;
const CAP_MS = 20_000;
const DEFAULT_LIMITS = {
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "600",
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: "100",
  RATE_LIMIT_SENDS_PER_USER_PER_10S: "200",
  RATE_LIMIT_TYPING_PER_USER_PER_10S: "50",
  RATE_LIMIT_CONNECTIONS_PER_USER_PER_MINUTE: "120",
  RATE_LIMIT_CONNECTIONS_PER_IP_PER_MINUTE: "600",
};

describe("stall figures (issue 12, item 3)", function () {
  this.timeout(120_000);
  it("times each call during a 15 s Redis SIGSTOP and a 15 s PostgreSQL stall", async () => {
    const redis = await startRedis();
    const direct = new URL(await freshDatabase());
    const proxy = await startStallProxy(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(direct.toString());
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const node = await spawnTestNode({
      ...DEFAULT_LIMITS,
      PORT: "0",
      DATABASE_URL: viaProxy.toString(),
      REDIS_URL: redis.url,
    });
    try {
      const a = await createUser(node.url, "A");
      const b = await createUser(node.url, "B");
      const chatId = await createGroup(node.url, a, [b]);
      const open = connectSocket(node.url, a.token);
      await new Promise<void>((r) => open.once("connect", () => r()));
      const round = async () => {
        const [socketSend, restSend, token, handshake, readyz, me] = await Promise.all([
          probes.socketSend(open, chatId, CAP_MS),
          probes.restSend(node.url, a, chatId, CAP_MS),
          probes.token(node.url, b, CAP_MS),
          probes.handshake(node.url, b, CAP_MS),
          probes.readyz(node.url, CAP_MS),
          probes.me(node.url, a, CAP_MS),
        ]);
        return Object.entries({ socketSend, restSend, token, handshake, readyz, me })
          .map(
            ([k, v]) => `${k} ${v.ms} ms (${v.outcome}${k === "readyz" ? ` ${JSON.stringify(v.body)}` : ""})`,
          )
          .join("\n        ");
      };

      const pid = redisPid(redis.port);
      process.kill(pid, "SIGSTOP");
      const stoppedAt = Date.now();
      const resume = setTimeout(() => process.kill(pid, "SIGCONT"), STALL_MS);
      try {
        console.log(`      Redis SIGSTOPped ${STALL_MS / 1000} s:\n        ${await round()}`);
        await new Promise((r) => setTimeout(r, Math.max(0, STALL_MS - (Date.now() - stoppedAt))));
      } finally {
        clearTimeout(resume);
        process.kill(pid, "SIGCONT");
      }
      await new Promise((r) => setTimeout(r, 2000));

      proxy.stall();
      const unstall = setTimeout(() => proxy.resume(), STALL_MS);
      try {
        console.log(`      PostgreSQL stalled ${STALL_MS / 1000} s:\n        ${await round()}`);
      } finally {
        clearTimeout(unstall);
        proxy.resume();
      }
      open.close();
    } finally {
      await node.kill();
      await proxy.close();
      await redis.stop();
    }
  });
});
