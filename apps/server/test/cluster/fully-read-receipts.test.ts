import { expect } from "chai";
import type { ChatSocket } from "@chat/client";
import { useCluster } from "./cluster-fixture.ts";
import { record } from "./devices.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

/**
 * A group of 3 on 3 nodes: sender S with devices on nodes 1 and 2, readers R1 on node 2 and R2 on
 * node 3. "Fully read" must reach both of S's devices only once both readers have read, exactly
 * once per message, also when both read at the same instant.
 */
describe("cluster: fully-read receipts in a group of 3 across 3 nodes", () => {
  const c = useCluster();
  const { devices } = c;

  async function setup() {
    const [n1, n2, n3] = c.urls;
    const s = await createUser(n1, "S");
    const r1 = await createUser(n2, "R1");
    const r2 = await createUser(n3, "R2");
    const chatId = await createGroup(n1, s, [r1, r2]);
    const s1 = await devices.connect(n1, s);
    const s2 = await devices.connect(n2, s);
    const d1 = await devices.connect(n2, r1);
    const d2 = await devices.connect(n3, r2);
    const fully = [record(s1, "receipt:fully_read"), record(s2, "receipt:fully_read")];
    const typing = [record(s1, "typing"), record(s2, "typing")];
    /**
     * Waits until everything the reader's node emitted to S's devices before now has arrived: a
     * typing event from that node comes after it (typing repeats of the same value are
     * throttled, alternating ones are not).
     */
    const toggles = new Map<ChatSocket, boolean>();
    const barrier = async (reader: ChatSocket) => {
      const before = typing.map((t) => t.length);
      const toggle = !toggles.get(reader);
      toggles.set(reader, toggle);
      await reader.request("typing", { chat_id: chatId, is_typing: toggle });
      await eventually(() => {
        typing.forEach((t, i) => expect(t.slice(before[i]).map((e) => e.is_typing)).to.include(toggle));
      });
    };
    return { chatId, s1, s2, d1, d2, fully, barrier };
  }

  it("reaches all of the sender's devices only after both others read, once", async () => {
    const { chatId, s1, s2, d1, d2, fully, barrier } = await setup();
    const ids: number[] = [];
    for (let round = 0; round < 5; round++) {
      const m = (await s1.send(chatId, `round ${round}`)).message;
      ids.push(m.id);
      const first = round % 2 === 0 ? d1 : d2;
      const second = first === d1 ? d2 : d1;
      const a1 = await first.read(chatId, m.seq);
      expect(a1.fully_read_ids).to.deep.equal([]);
      await barrier(first);
      for (const f of fully) expect(f, "fully read after one reader").to.have.length(round);
      const a2 = await second.read(chatId, m.seq);
      expect(a2.fully_read_ids).to.deep.equal([m.id]);
      await eventually(() => {
        for (const f of fully) expect(f).to.have.length(round + 1);
      });
      for (const f of fully)
        expect(f[round]).to.deep.equal({ chat_id: chatId, message_ids: [m.id], up_to_seq: m.seq });
      // Reading again (either reader) notifies nobody.
      expect((await first.read(chatId, m.seq)).fully_read_ids).to.deep.equal([]);
    }
    await barrier(d1);
    await barrier(d2);
    for (const f of fully) expect(f.flatMap((e) => e.message_ids)).to.deep.equal(ids);
  });

  it("is reported exactly once when both read at the same instant (60 rounds)", async function () {
    this.timeout(60_000);
    const { chatId, s1, s2, d1, d2, fully, barrier } = await setup();
    const ids: number[] = [];
    for (let round = 0; round < 60; round++) {
      const m = (await s2.send(chatId, `race ${round}`)).message;
      ids.push(m.id);
      // Half the rounds read by seq, half by message id (the origin's read-one-message form).
      const read = (d: ChatSocket) =>
        round % 2 === 0 ? d.read(chatId, m.seq) : d.request("message:read", { message_id: m.id });
      const [a1, a2] = await Promise.all([read(d1), read(d2)]);
      const winners = [a1, a2].filter((a) => a.fully_read_ids.length > 0);
      expect(winners, `round ${round}: acks ${JSON.stringify([a1, a2])}`).to.have.length(1);
      expect(winners[0].fully_read_ids).to.deep.equal([m.id]);
    }
    await barrier(d1);
    await barrier(d2);
    for (const f of fully) {
      expect(f.flatMap((e) => e.message_ids)).to.deep.equal(ids);
      expect(f.map((e) => e.up_to_seq)).to.deep.equal(ids.map((_, i) => i + 1));
    }
  });
});
