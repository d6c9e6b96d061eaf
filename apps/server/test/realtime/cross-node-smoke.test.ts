import { expect } from "chai";
import { ChatSocket, type Message } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

describe("two nodes sharing Redis (smoke)", () => {
  let redis: RedisProcess;
  let a: TestNode;
  let b: TestNode;
  const sockets: ChatSocket[] = [];
  before(async () => {
    redis = await startRedis();
    a = await startTestNode({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: "smoke" });
    b = await startTestNode({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: "smoke", DATABASE_URL: a.databaseUrl });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await a.close();
    await b.close();
    await redis.stop();
  });

  it("a message sent on node A reaches the other member's device on node B, with fully-read back", async () => {
    const u = await createUser(a.url, "U");
    const v = await createUser(b.url, "V");
    const chatId = await createGroup(a.url, u, [v]);
    const su = new ChatSocket(a.url, { token: u.token, transports: ["websocket"] });
    const sv = new ChatSocket(b.url, { token: v.token, transports: ["websocket"] });
    sockets.push(su, sv);
    await Promise.all([su.ready(), sv.ready()]);
    su.track(chatId, 0);
    sv.track(chatId, 0);
    const got: Message[] = [];
    sv.on("message", (m) => got.push(m));
    const fully: number[][] = [];
    su.on("receipt:fully_read", (r) => fully.push(r.message_ids));
    const { message, duplicate } = await su.send(chatId, "hello across nodes");
    expect(duplicate).to.equal(false);
    await eventually(() => expect(got.map((m) => m.id)).to.deep.equal([message.id]));
    const r = await sv.read(chatId, message.seq);
    expect(r.fully_read_ids).to.deep.equal([message.id]);
    await eventually(() => expect(fully).to.deep.equal([[message.id]]));
  });
});
