import { expect } from "chai";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { delivered, useDevices } from "../cluster/devices.ts";

describe("two nodes sharing Redis (smoke)", () => {
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "smoke" });
  const devices = useDevices();

  it("a message sent on node A reaches the other member's device on node B, with fully-read back", async () => {
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
    const { message, duplicate } = await su.send(chatId, "hello across nodes");
    expect(duplicate).to.equal(false);
    await eventually(() => expect(got.map((m) => m.id)).to.deep.equal([message.id]));
    const r = await sv.read(chatId, message.seq);
    expect(r.fully_read_ids).to.deep.equal([message.id]);
    await eventually(() => expect(fully).to.deep.equal([[message.id]]));
  });
});
