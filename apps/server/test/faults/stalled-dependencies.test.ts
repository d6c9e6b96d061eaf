/**
 * Issue 12, item 3: a stalled (not refused) dependency must not hang the node. Redis is the
 * private redis-server paused with SIGSTOP (resumed in teardown); PostgreSQL sits behind a TCP
 * proxy that stops forwarding bytes but keeps the connections open. A real node process with small
 * timeouts; the bounds asserted are those timeouts plus slack.
 */
import { expect } from "chai";
import pg from "pg";
import type { Socket } from "socket.io-client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { startStallProxy, type StallProxy } from "../support/stall-proxy.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { ackedOk, connectSocket, probes, redisPid, type Probe } from "./stall-probes.ts";

/** Limits on (high), so every send, login and handshake asks the rate limiter, i.e. Redis. */
const LIMITS_ON = {
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "10000",
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: "10000",
  RATE_LIMIT_SENDS_PER_USER_PER_10S: "10000",
  RATE_LIMIT_TYPING_PER_USER_PER_10S: "10000",
  RATE_LIMIT_CONNECTIONS_PER_USER_PER_MINUTE: "10000",
  RATE_LIMIT_CONNECTIONS_PER_IP_PER_MINUTE: "10000",
};
const TIMEOUTS = {
  REDIS_COMMAND_TIMEOUT_MS: "500",
  REDIS_BREAKER_MS: "5000",
  DB_CONNECT_TIMEOUT_MS: "1000",
  DB_QUERY_TIMEOUT_MS: "1500",
  DB_STATEMENT_TIMEOUT_MS: "1000",
  READYZ_TIMEOUT_MS: "500",
};
/** What a probe may take during a stall: the timeouts above and scheduling slack, far below the stall. */
const BOUND_MS = 3500;
const CAP_MS = 8000;

describe("stalled dependencies (SIGSTOPped Redis, frozen PostgreSQL connection)", function () {
  this.timeout(90_000);
  let redis: RedisProcess;
  let proxy: StallProxy;
  let databaseUrl: string;
  let node: NodeProcess;
  let a: TestUser;
  let b: TestUser;
  let chatId: number;
  let sock: Socket;
  let pausedPid: number | undefined;

  before(async () => {
    redis = await startRedis();
    const direct = new URL(await freshDatabase());
    databaseUrl = direct.toString();
    proxy = await startStallProxy(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(databaseUrl);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    node = await spawnTestNode({
      ...LIMITS_ON,
      ...TIMEOUTS,
      PORT: "0",
      DATABASE_URL: viaProxy.toString(),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `stall-${process.pid}`,
    });
    a = await createUser(node.url, "A");
    b = await createUser(node.url, "B");
    chatId = await createGroup(node.url, a, [b]);
    sock = connectSocket(node.url, a.token);
    await new Promise<void>((r, j) => (sock.once("connect", () => r()), sock.once("connect_error", j)));
  });

  after(async () => {
    if (pausedPid) process.kill(pausedPid, "SIGCONT");
    proxy?.resume();
    sock?.close();
    await node?.kill();
    await proxy?.close();
    await redis?.stop();
  });

  const show = (label: string, p: Record<string, Probe>) =>
    console.log(
      `      ${label}: ` +
        Object.entries(p)
          .map(([k, v]) => `${k} ${v.ms} ms (${v.outcome})`)
          .join(", "),
    );

  it("Redis SIGSTOPped: sends, /token and handshakes complete within seconds; /readyz reports redis down", async () => {
    pausedPid = redisPid(redis.port);
    process.kill(pausedPid, "SIGSTOP");
    try {
      const first = {
        socketSend: await probes.socketSend(sock, chatId, CAP_MS),
        restSend: await probes.restSend(node.url, a, chatId, CAP_MS),
        token: await probes.token(node.url, a, CAP_MS),
        handshake: await probes.handshake(node.url, b, CAP_MS),
        readyz: await probes.readyz(node.url, CAP_MS),
      };
      show("first calls", first);
      for (const [k, p] of Object.entries(first)) {
        expect(p.outcome, k).to.equal("ok");
        expect(p.ms, k).to.be.below(BOUND_MS);
      }
      expect(first.readyz.body).to.deep.equal({
        status: "degraded",
        checks: { database: "ok", redis: "down" },
      });
      // The breaker is open: the rate limits use memory at once instead of paying the timeout again.
      const again = {
        socketSend: await probes.socketSend(sock, chatId, CAP_MS),
        restSend: await probes.restSend(node.url, a, chatId, CAP_MS),
        token: await probes.token(node.url, a, CAP_MS),
        handshake: await probes.handshake(node.url, b, CAP_MS),
      };
      show("while the breaker is open", again);
      for (const [k, p] of Object.entries(again)) {
        expect(p.outcome, k).to.equal("ok");
        // A handshake still gives presence its own bounded wait (PRESENCE_HANDSHAKE_WAIT_MS, 500 ms).
        expect(p.ms, k).to.be.below(k === "handshake" ? 1000 : 400);
      }
    } finally {
      process.kill(pausedPid, "SIGCONT");
      pausedPid = undefined;
    }
    await eventually(async () => {
      const r = await probes.readyz(node.url, CAP_MS);
      expect(r.body).to.deep.equal({ status: "ok", checks: { database: "ok", redis: "ok" } });
    }, 10_000);
  });

  it("PostgreSQL stalled: sends answer `unavailable`, logins and /me 503, /readyz 503 — all within seconds", async () => {
    proxy.stall();
    let during: Record<string, Probe>;
    try {
      during = {
        socketSend: await probes.socketSend(sock, chatId, CAP_MS),
        restSend: await probes.restSend(node.url, a, chatId, CAP_MS),
        token: await probes.token(node.url, a, CAP_MS),
        me: await probes.me(node.url, a, CAP_MS),
        handshake: await probes.handshake(node.url, b, CAP_MS),
        readyz: await probes.readyz(node.url, CAP_MS),
      };
      show("during the stall", during);
    } finally {
      proxy.resume();
    }
    for (const [k, p] of Object.entries(during)) expect(p.ms, k).to.be.below(BOUND_MS);
    expect(during.socketSend.outcome).to.equal("unavailable");
    expect(during.restSend.outcome).to.equal("503 unavailable");
    expect(during.token.outcome).to.equal("503 unavailable");
    expect(during.me.outcome).to.equal("503 unavailable");
    expect(during.handshake.outcome).to.equal("unavailable");
    expect(during.readyz.outcome).to.equal("503");
    expect((during.readyz.body as { checks: unknown }).checks).to.deep.equal({
      database: "down",
      redis: "ok",
    });

    // The node recovers once bytes flow again (stalled connections were dropped, not pooled).
    await eventually(
      async () => expect((await probes.socketSend(sock, chatId, CAP_MS)).outcome).to.equal("ok"),
      15_000,
    );
    expect((await probes.me(node.url, a, CAP_MS)).outcome).to.equal("ok");
    expect((await probes.readyz(node.url, CAP_MS)).outcome).to.equal("ok");
    // No false ok: every send acked ok in this file is stored.
    const check = new pg.Client({ connectionString: databaseUrl });
    await check.connect();
    try {
      const { rows } = await check.query<{ client_id: string }>(
        "SELECT client_id::text FROM messages WHERE client_id::text = ANY($1)",
        [ackedOk],
      );
      expect(rows.map((r) => r.client_id).sort()).to.deep.equal([...ackedOk].sort());
    } finally {
      await check.end();
    }
  });
});
