import { expect } from "chai";
import request from "supertest";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { delivered, useDevices, record } from "../cluster/devices.ts";

/** REDIS_ADAPTER=sharded (Redis 7 SPUBLISH): rooms, membership changes and receipts across two nodes. */
describe("two nodes on the sharded Redis adapter", () => {
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "sharded", REDIS_ADAPTER: "sharded" });
  const devices = useDevices();

  it("delivers across nodes, applies a runtime add on the other node, and sends fully-read back", async () => {
    const { a, b } = nodes;
    const u = await createUser(a.url, "U");
    const v = await createUser(b.url, "V");
    const chatId = await createGroup(a.url, u, []);
    const su = await devices.connect(a.url, u);
    const sv = await devices.connect(b.url, v);
    const added = record(sv, "chat:added");
    const got = delivered(sv);

    // V's socket on node B joins the room through the adapter when node A adds V.
    await request(a.url)
      .post(`/api/v1/chats/${chatId}/members`)
      .set(u.auth)
      .send({ user_id: v.id })
      .expect(200);
    await eventually(() => expect(added.map((x) => x.chat.id)).to.deep.equal([chatId]));
    const fully = record(su, "receipt:fully_read");
    const m = (await su.send(chatId, "sharded hello")).message;
    await eventually(() => expect(got.map((x) => x.id)).to.deep.equal([m.id]));
    await sv.read(chatId, m.seq);
    await eventually(() =>
      expect(fully).to.deep.equal([{ chat_id: chatId, message_ids: [m.id], up_to_seq: m.seq }]),
    );
  });
});
