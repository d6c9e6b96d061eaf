import { expect } from "chai";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { recordMessages, useDevices } from "../cluster/devices.ts";
import { useOriginClients } from "./origin-client.ts";

/**
 * REDIS_ADAPTER=sharded subscribes a node to a room's channel only while the room has a listener
 * there. Node B's only listeners here are origin sockets: they must still get the chat's messages
 * and the user's fully-read notices.
 */
describe("origin websocket on the sharded Redis adapter", () => {
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "sharded-ows", REDIS_ADAPTER: "sharded" });
  const devices = useDevices();
  const clients = useOriginClients();

  it("a node whose only listeners are origin sockets gets the chat's messages and the fully-read notice", async () => {
    const { a, b } = nodes;
    const u = await createUser(a.url, "U");
    const v = await createUser(b.url, "V");
    const chatId = await createGroup(a.url, u, [v]);
    const ov = await clients.open(b.url, v, chatId);
    const ou = await clients.open(b.url, u, chatId);
    const su = await devices.connect(a.url, u);
    const sv = await devices.connect(a.url, v);
    const vGot = recordMessages(sv);

    // The room subscription is made asynchronously when the socket opens: wait for the first
    // delivery (each try a new message), then expect every later one.
    let n = 0;
    await eventually(async () => {
      const text = `hello ${++n}`;
      await su.send(chatId, text);
      await ov.frame(`📩 Новое сообщение от ${u.id}: ${text}`, 0, 300);
    });
    const m = (await su.send(chatId, "sharded hello")).message;
    await ov.frame(`📩 Новое сообщение от ${u.id}: sharded hello`);

    await sv.read(chatId, m.seq);
    await ou.frame(`✅ Ваше сообщение ${m.id} полностью прочитано!`);

    await ov.say("from an origin socket on b");
    await eventually(() => expect(vGot.map((x) => x.text)).to.include("from an origin socket on b"));
    // u's origin socket on b (not the sender): gets it too.
    await ou.frame(`📩 Новое сообщение от ${v.id}: from an origin socket on b`);
  });
});
