import { expect } from "chai";
import crypto from "node:crypto";
import request from "supertest";
import { twoMembersThreeDevices, useCluster } from "./cluster-fixture.ts";
import { delivered, recordMessages } from "./devices.ts";
import { eventually } from "../support/wait.ts";

describe("cluster: one user's devices on two nodes, the peer on a third", () => {
  const c = useCluster();
  const { devices } = c;

  it("every message reaches every device of every member once, in the same seq order everywhere", async () => {
    const [, n2] = c.urls;
    const { u, v, chatId, a, b, sv } = await twoMembersThreeDevices(c, 2);
    const all = [a, b, sv];
    for (const s of all) s.track(chatId, 0);
    const got = all.map(delivered);
    const raw = all.map((s) => recordMessages(s));

    // V's message reaches both of U's devices.
    const m1 = (await sv.send(chatId, "from V")).message;
    await eventually(() => {
      for (const g of got) expect(g.map((m) => m.id)).to.deep.equal([m1.id]);
    });

    // U's message from A reaches U's other device B and V (and A itself through the room).
    const m2 = (await a.send(chatId, "from U's device A")).message;
    await eventually(() => {
      for (const g of got) expect(g.map((m) => m.id)).to.deep.equal([m1.id, m2.id]);
    });
    expect(got[1][1]).to.include({ sender_id: u.id, text: "from U's device A", seq: 2 });

    // A REST send (on node 2) broadcasts the same event to sockets on every node.
    const rest = await request(n2)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(u.auth)
      .send({ client_id: crypto.randomUUID(), text: "over REST" })
      .expect(201);

    // A burst from all three devices at once: one order, by seq, on every device.
    const burst = await Promise.all(
      all.flatMap((s, i) => Array.from({ length: 10 }, (_, k) => s.send(chatId, `burst ${i}.${k}`))),
    );
    const total = 3 + burst.length;
    await eventually(() => {
      for (const g of got) expect(g).to.have.length(total);
    }, 10_000);
    const order = got[0].map((m) => m.id);
    expect(got[0].map((m) => m.seq)).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));
    expect(order[2]).to.equal(rest.body.message.id);
    expect(new Set(order)).to.have.property("size", total);
    for (const g of got) expect(g.map((m) => m.id)).to.deep.equal(order);
    expect(burst.map((r) => r.message.id)).to.have.members(order.slice(3));
    // No device got any broadcast twice (the client's dedupe was not needed).
    for (const r of raw) expect(r.map((m) => m.id)).to.have.members(order);
  });
});
