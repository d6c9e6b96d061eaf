/**
 * `rediss://` (issue 17, item 5): Debian's redis-server listening on TLS only, with a self-signed
 * certificate made by the launcher's code; two nodes trusting it through REDIS_TLS_CA_FILE deliver
 * across each other (adapter pub/sub) and share state (presence, rate limits, the node registry).
 * A node trusting another CA does not get through, and says why; a TLS setting on a plain redis://
 * URL stops the start.
 */
import { expect } from "chai";
import { Redis } from "ioredis";
import request from "supertest";
import { useTwoNodes } from "../support/two-nodes.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { testCertificate } from "../support/tls.ts";
import { memoryLogger } from "../rest/helpers/logs.ts";
import { delivered, useDevices } from "../cluster/devices.ts";

describe("Redis over TLS (rediss://)", function () {
  this.timeout(30_000);
  const cert = testCertificate("redis");
  const wrong = testCertificate("other-ca");
  const nodes = useTwoNodes(
    { REDIS_KEY_PREFIX: "tls", REDIS_TLS_CA_FILE: cert.certFile },
    { tls: { certFile: cert.certFile, keyFile: cert.keyFile } },
  );
  const devices = useDevices();
  let other: TestNode | undefined;
  afterEach(async () => {
    await other?.close();
    other = undefined;
  });

  it("the server speaks TLS only: a plain client gets nothing, a client trusting the CA gets PONG", async () => {
    const { redis } = nodes;
    expect(redis.url).to.match(/^rediss:\/\/127\.0\.0\.1:\d+$/);
    const plain = new Redis(redis.url.replace("rediss:", "redis:"), {
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    plain.on("error", () => undefined);
    const answer = await plain.connect().then(
      () => plain.ping(),
      (err: Error) => err.message,
    );
    expect(answer).to.not.equal("PONG");
    plain.disconnect();
    const secure = new Redis(redis.url, { tls: { ca: cert.ca }, lazyConnect: true });
    await secure.connect();
    expect(await secure.ping()).to.equal("PONG");
    secure.disconnect();
  });

  it("two nodes on it deliver across each other (adapter pub/sub) with fully-read back, and both report Redis ready", async () => {
    const { a, b } = nodes;
    const u = await createUser(a.url, "U");
    const v = await createUser(b.url, "V");
    const chatId = await createGroup(a.url, u, [v]);
    const [su, sv] = await Promise.all([devices.connect(a.url, u), devices.connect(b.url, v)]);
    su.track(chatId, 0);
    sv.track(chatId, 0);
    const got = delivered(sv);
    const fully: number[][] = [];
    su.on("receipt:fully_read", (r) => fully.push(r.message_ids));
    const { message } = await su.send(chatId, "over rediss");
    await eventually(() => expect(got.map((m) => m.id)).to.deep.equal([message.id]));
    const r = await sv.read(chatId, message.seq);
    expect(r.fully_read_ids).to.deep.equal([message.id]);
    await eventually(() => expect(fully).to.deep.equal([[message.id]]));
    // Both nodes answer /readyz with Redis up: their data and subscriber clients are on TLS.
    for (const n of [a, b]) {
      const res = await request(n.url).get("/readyz");
      expect(res.body).to.deep.equal({ status: "ok", checks: { database: "ok", redis: "ok" } });
    }
  });

  it("a node that trusts another CA does not get through: /readyz says redis is down, the log names the certificate", async () => {
    const mem = memoryLogger("warn");
    other = await startTestNode(
      {
        REDIS_URL: nodes.redis.url,
        REDIS_KEY_PREFIX: "tls-wrong",
        REDIS_TLS_CA_FILE: wrong.certFile,
        DATABASE_URL: nodes.a.databaseUrl,
      },
      mem.logger,
    );
    const res = await request(other.url).get("/readyz");
    expect(res.body).to.deep.equal({ status: "degraded", checks: { database: "ok", redis: "down" } });
    await eventually(() =>
      expect(mem.lines.map((l) => JSON.stringify(l)).join("\n")).to.match(
        /redis connection error.*certificate|certificate.*redis connection error/i,
      ),
    );
  });

  it("REDIS_TLS_CA_FILE with a plain redis:// URL stops the start, as does an unreadable CA file", async () => {
    const plainUrl = nodes.redis.url.replace("rediss:", "redis:");
    const refused = await startTestNode({ REDIS_URL: plainUrl, REDIS_TLS_CA_FILE: cert.certFile }).then(
      (n) => n.close().then(() => "started"),
      (err: Error) => err.message,
    );
    expect(refused).to.equal("REDIS_TLS_CA_FILE is set but REDIS_URL is not a rediss:// URL");
    const missing = await startTestNode({
      REDIS_URL: nodes.redis.url,
      REDIS_TLS_CA_FILE: "/nonexistent/ca.pem",
    }).then(
      (n) => n.close().then(() => "started"),
      (err: Error) => err.message,
    );
    expect(missing).to.match(/^REDIS_TLS_CA_FILE: cannot read \/nonexistent\/ca\.pem/);
  });
});
