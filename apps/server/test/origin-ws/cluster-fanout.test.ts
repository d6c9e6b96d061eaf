import { expect } from "chai";
import request from "supertest";
import { useCluster } from "../cluster/cluster-fixture.ts";
import { recordMessages } from "../cluster/devices.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useOriginClients } from "./origin-client.ts";

/** Three node processes on the classic Redis adapter: origin sockets and Socket.IO clients in one chat. */
describe("origin websocket across three nodes", () => {
  const c = useCluster();
  const clients = useOriginClients();

  it("origin and Socket.IO clients on different nodes reach each other both ways", async () => {
    const [n1, n2, n3] = c.urls;
    const u = await createUser(n1, "U");
    const v = await createUser(n2, "V");
    const w = await createUser(n3, "W");
    const chatId = await createGroup(n1, u, [v, w]);
    const ou = await clients.open(n1, u, chatId);
    const ov = await clients.open(n2, v, chatId);
    const sw = await c.devices.connect(n3, w);
    const su2 = await c.devices.connect(n2, u); // u's Socket.IO device beside its origin socket
    const wGot = recordMessages(sw);
    const u2Got = recordMessages(su2);

    await ou.say("origin to all");
    await ov.frame(`📩 Новое сообщение от ${u.id}: origin to all`);
    await eventually(() => {
      expect(wGot.map((m) => [m.sender_id, m.text])).to.deep.equal([[u.id, "origin to all"]]);
      expect(u2Got.map((m) => m.text)).to.deep.equal(["origin to all"]);
    });

    const sent = (await sw.send(chatId, "socket.io to all")).message;
    await ou.frame(`📩 Новое сообщение от ${w.id}: socket.io to all`);
    await ov.frame(`📩 Новое сообщение от ${w.id}: socket.io to all`);
    expect(sent.text).to.equal("socket.io to all");

    await ov.say("v from node 2");
    await ou.frame(`📩 Новое сообщение от ${v.id}: v from node 2`);
    await eventually(() => expect(wGot.map((m) => m.text)).to.include("v from node 2"));
    // Each got each message once, in order; nobody got an echo of its own.
    expect(ou.news()).to.deep.equal([
      `📩 Новое сообщение от ${w.id}: socket.io to all`,
      `📩 Новое сообщение от ${v.id}: v from node 2`,
    ]);
    expect(ov.news()).to.deep.equal([
      `📩 Новое сообщение от ${u.id}: origin to all`,
      `📩 Новое сообщение от ${w.id}: socket.io to all`,
    ]);
  });

  it("the sender's origin socket is told once that a message is fully read, on the node it is on", async () => {
    const [n1, n2, n3] = c.urls;
    const u = await createUser(n1, "U");
    const v = await createUser(n2, "V");
    const chatId = await createGroup(n1, u, [v]);
    const other = await createGroup(n1, u, [v], "other");
    const ou = await clients.open(n3, u, chatId);
    const ouOther = await clients.open(n1, u, other);
    const sv = await c.devices.connect(n2, v);
    const got = recordMessages(sv);

    await ou.say("read me");
    await eventually(() => expect(got.length).to.equal(1));
    const m1 = got[0];
    await sv.read(chatId, m1.seq);
    await ou.frame(`✅ Ваше сообщение ${m1.id} полностью прочитано!`);
    // Read again over REST: no second notice. A second message fully read is the barrier.
    await request(n1).put(`/api/v1/chats/${chatId}/read`).set(v.auth).send({ seq: m1.seq }).expect(200);
    await sv.read(chatId, m1.seq);
    await ou.say("and me");
    await eventually(() => expect(got.length).to.equal(2));
    await sv.read(chatId, got[1].seq);
    await ou.frame(`✅ Ваше сообщение ${got[1].id} полностью прочитано!`);
    expect(ou.frames.filter((f) => f.includes("полностью прочитано"))).to.deep.equal([
      `✅ Ваше сообщение ${m1.id} полностью прочитано!`,
      `✅ Ваше сообщение ${got[1].id} полностью прочитано!`,
    ]);
    // Per chat: the socket of u's other chat heard nothing of it.
    expect(ouOther.frames).to.deep.equal([]);
  });

  it("a removed member's origin socket is closed 1008 and gets nothing more; others keep talking", async () => {
    const [n1, n2, n3] = c.urls;
    const owner = await createUser(n1, "Owner");
    const x = await createUser(n2, "X");
    const y = await createUser(n3, "Y");
    const chatId = await createGroup(n1, owner, [x, y]);
    const ox = await clients.open(n2, x, chatId);
    const oy = await clients.open(n3, y, chatId);
    const so = await c.devices.connect(n1, owner);
    await so.send(chatId, "before");
    await ox.frame(`📩 Новое сообщение от ${owner.id}: before`);

    await request(n3).delete(`/api/v1/chats/${chatId}/members/${x.id}`).set(owner.auth).expect(200);
    expect(await ox.closeCode()).to.equal(1008);
    await so.send(chatId, "x is gone");
    await oy.frame(`📩 Новое сообщение от ${owner.id}: x is gone`);
    expect(ox.news()).to.deep.equal([`📩 Новое сообщение от ${owner.id}: before`]);
    // And x cannot come back in on any node.
    const again = clients.create(n1, x.id, chatId, x.token);
    expect(await again.closeCode()).to.equal(1008);
  });
});
