/**
 * Big groups and many chats (issue 20, item 4) at tiny sizes: a group past createChat's 100
 * members where only a few send reaches every other member exactly once, on our node and on the
 * baseline; one user in a few hundred chats gets every chat through GET /chats pages and answers
 * within their bounds. Not speed: figures belong in docs/performance.md.
 */
import { expect } from "chai";
import { benchDatabase } from "./support/database.ts";
import { benchManyChats } from "../src/manychats.ts";
import { DEFAULTS, type BenchOptions } from "../src/options.ts";
import { runBench } from "../src/run.ts";

describe("pnpm bench: big groups and many chats", function () {
  this.timeout(120_000);
  const database = benchDatabase();
  const options = (o: Partial<BenchOptions>): BenchOptions => ({
    ...DEFAULTS,
    seconds: 1.5,
    warmup: 0.5,
    ...database(),
    ...o,
  });

  for (const baseline of [true, false]) {
    it(`a group of 110 with 5 senders: every acked message reaches the 109 others once (${baseline ? "baseline" : "our node"})`, async () => {
      const r = await runBench(
        options({ scenario: "closed", users: 110, chatSize: 110, senders: 5, baseline }),
        () => undefined,
      );
      expect(r.loss, JSON.stringify(r.loss)).to.include({ ok: true, lost: 0, doubled: 0, unanswered: 0 });
      expect(r.counts.acked).to.be.greaterThan(0);
      expect(r.counts.delivered).to.equal(r.counts.acked * 109);
      // Only the senders sent: at most 5 sends in flight, each reaching 109 members.
      expect(r.fanOut).to.be.within(100, 115);
      if (!baseline) expect(r.counts.dbRows).to.equal(r.counts.acked);
    });
  }

  it("one user in 300 chats: every chat listed once across GET /chats pages, answers within their bounds", async () => {
    const { result: r } = await benchManyChats(
      options({ scenario: "manychats", chats: 300, devices: 4 }),
      () => undefined,
    );
    expect(r.listChats.chatsListed).to.equal(300);
    expect(r.bounds).to.include({ listChatsOk: true, syncOk: true });
    expect(r.sync.chats).to.equal(300);
    expect(r.sync.messages).to.equal(300);
    expect(r.handshakeMs.manyChats.n).to.equal(4);
    expect(r.memory.sockets).to.equal(2);
  });
});
