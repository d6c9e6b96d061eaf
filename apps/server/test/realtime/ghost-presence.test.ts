import { expect } from "chai";
import request from "supertest";
import { ChatSocket } from "@chat/client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { spawnTestNode, startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

const HEARTBEAT_SECONDS = 2;

describe("presence: a node SIGKILLed and restarted with the same NODE_ID", function () {
  this.timeout(40_000);
  let redis: RedisProcess;
  let watcher: TestNode;
  let victim: NodeProcess | undefined;
  let env: Record<string, string>;

  before(async () => {
    redis = await startRedis();
    env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `ghost-${crypto.randomUUID().slice(0, 8)}`,
      NODE_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
    };
    watcher = await startTestNode({ ...env, NODE_ID: "ghost-w" });
  });
  after(async () => {
    await victim?.kill("SIGKILL");
    await watcher?.close();
    await redis?.stop();
  });

  it("leaves no ghost: a user whose only device was on the dead process goes offline within the heartbeat TTL", async () => {
    const u = await createUser(watcher.url, "Only");
    const w = await createUser(watcher.url, "Watcher");
    await createGroup(watcher.url, w, [u]);
    victim = await spawnTestNode({
      ...env,
      NODE_ID: "ghost-v",
      PORT: "0",
      DATABASE_URL: watcher.databaseUrl,
    });
    const port = victim.port;
    const online = async () =>
      (await request(watcher.url).get(`/api/v1/users/${u.id}/presence`).set(w.auth).expect(200)).body.online;

    const s = new ChatSocket(victim.url, { token: u.token, transports: ["websocket"] });
    try {
      await s.ready();
      await eventually(async () => expect(await online()).to.equal(true));
      await victim.kill("SIGKILL"); // no disconnect handler runs: the entry stays in Redis
    } finally {
      s.close();
    }
    // Same NODE_ID and port: the new process must not keep the dead one's devices alive.
    victim = await spawnTestNode({
      ...env,
      NODE_ID: "ghost-v",
      PORT: String(port),
      DATABASE_URL: watcher.databaseUrl,
    });
    const killedAt = Date.now();
    await eventually(async () => expect(await online()).to.equal(false), (HEARTBEAT_SECONDS + 2) * 1000, 100);
    expect(Date.now() - killedAt).to.be.below((HEARTBEAT_SECONDS + 2) * 1000);
  });
});
