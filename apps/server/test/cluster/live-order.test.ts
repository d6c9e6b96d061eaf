/**
 * Live delivery in seq order: two senders on two nodes write into one chat at once, so each node's
 * publishes reach the third node interleaved through Redis. A plain connection there (no
 * message:batch, no client-side reordering) must see every message once, in seq order.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import type { Message } from "@chat/client";
import { useCluster } from "./cluster-fixture.ts";
import type { RawSocket } from "./devices.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

const PER_SENDER = 180;
const IN_FLIGHT = 16;

/** `count` sends with up to IN_FLIGHT unanswered at a time. */
async function sendMany(s: RawSocket, chatId: number, count: number, tag: string) {
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const res = await new Promise<{ ok: boolean }>((r) =>
        s.emit("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: `${tag} ${i}` }, r),
      );
      expect(res.ok, `send ${tag} ${i}`).to.equal(true);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, one));
}

describe("cluster: live message:new in seq order across nodes", function () {
  this.timeout(60_000);
  const c = useCluster();
  const { devices } = c;

  it(`senders on two nodes, ${2 * PER_SENDER} messages: a plain connection on a third gets all, in seq order`, async () => {
    const [n1, n2, n3] = c.urls;
    const a = await createUser(n1, "A");
    const b = await createUser(n2, "B");
    const r = await createUser(n3, "R");
    const chatId = await createGroup(n1, a, [b, r], "order");
    const [sa, sb, plain, batched] = await Promise.all([
      devices.raw(n1, a.token, false),
      devices.raw(n2, b.token, false),
      devices.raw(n3, r.token, false),
      devices.raw(n3, r.token, true),
    ]);
    const gotPlain: number[] = [];
    const gotBatched: number[] = [];
    plain.on("message:new", (m: Message) => gotPlain.push(m.seq));
    plain.on("message:batch", () => expect.fail("a plain connection got message:batch"));
    batched.on("message:new", (m: Message) => gotBatched.push(m.seq));
    batched.on("message:batch", (x) => gotBatched.push(...x.messages.map((m) => m.seq)));

    await Promise.all([sendMany(sa, chatId, PER_SENDER, "a"), sendMany(sb, chatId, PER_SENDER, "b")]);
    const all = Array.from({ length: 2 * PER_SENDER }, (_, i) => i + 1);
    const outOfOrder = (seqs: number[]) => seqs.filter((s, i) => i > 0 && s <= seqs[i - 1]).length;
    await eventually(() => {
      expect(gotPlain).to.have.length(all.length);
      expect(gotBatched).to.have.length(all.length);
    }, 10_000);
    expect(outOfOrder(gotPlain), "plain connection: out of order").to.equal(0);
    expect(outOfOrder(gotBatched), "batch connection: out of order").to.equal(0);
    expect(gotPlain).to.deep.equal(all);
    expect(gotBatched).to.deep.equal(all);
  });
});
