import { expect } from "chai";
import crypto from "node:crypto";
import pg from "pg";
import request from "supertest";
import { twoMembersThreeDevices, useCluster } from "./cluster-fixture.ts";
import { recordMessages } from "./devices.ts";
import { eventually } from "../support/wait.ts";

describe("cluster: a client_id retried from another device or node", () => {
  const c = useCluster();
  const { devices } = c;
  let db: pg.Pool;
  before(async function () {
    this.timeout(60_000);
    db = new pg.Pool({ connectionString: c.databaseUrl, max: 2 });
  });
  after(() => db.end());

  const rows = async (chatId: number, clientId: string) =>
    (await db.query("SELECT id FROM messages WHERE chat_id = $1 AND client_id = $2", [chatId, clientId]))
      .rows;

  async function setup() {
    const { u, chatId, a, b, sv } = await twoMembersThreeDevices(c);
    return { u, chatId, a, b, sv, seen: recordMessages(sv) };
  }

  it("stores one row, broadcasts once, and acks both with the same message (duplicate on the second)", async () => {
    const { u, chatId, a, b, sv, seen } = await setup();
    const clientId = crypto.randomUUID();
    const first = await a.request("message:send", { chat_id: chatId, client_id: clientId, text: "once" });
    const second = await b.request("message:send", { chat_id: chatId, client_id: clientId, text: "once" });
    expect(first.duplicate).to.equal(false);
    expect(second).to.deep.equal({ message: first.message, duplicate: true });
    // Over REST (node 2) too, even with another text: the first message stands.
    const rest = await request(c.urls[1])
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(u.auth)
      .send({ client_id: clientId, text: "changed my mind" })
      .expect(200);
    expect(rest.body).to.deep.equal({ message: first.message, duplicate: true });
    expect(await rows(chatId, clientId)).to.have.length(1);

    // One broadcast: the next message is the barrier (same sender node as the first).
    const next = (await a.send(chatId, "next")).message;
    await eventually(() => expect(seen.map((m) => m.id)).to.include(next.id));
    expect(seen.map((m) => m.id)).to.deep.equal([first.message.id, next.id]);
    expect(next.seq).to.equal(first.message.seq + 1); // no seq spent on the retries
    void sv;
  });

  it("stays one message when two devices on two nodes send the same client_id at the same instant", async () => {
    const { chatId, a, b, seen } = await setup();
    const ids: number[] = [];
    for (let round = 0; round < 20; round++) {
      const clientId = crypto.randomUUID();
      const payload = { chat_id: chatId, client_id: clientId, text: `race ${round}` };
      const acks = await Promise.all([
        a.request("message:send", payload),
        b.request("message:send", payload),
      ]);
      expect(acks[0].message).to.deep.equal(acks[1].message);
      expect(acks.map((x) => x.duplicate).sort()).to.deep.equal([false, true]);
      expect(acks[0].message.seq).to.equal(round + 1);
      ids.push(acks[0].message.id);
    }
    const barrier = [
      (await a.send(chatId, "a done")).message.id,
      (await b.send(chatId, "b done")).message.id,
    ];
    await eventually(() => expect(seen.map((m) => m.id)).to.include.members(barrier));
    expect(seen.map((m) => m.id)).to.have.members([...ids, ...barrier]);
    const count = await db.query("SELECT count(*)::int AS n FROM messages WHERE chat_id = $1", [chatId]);
    expect(count.rows[0].n).to.equal(22);
  });
});
