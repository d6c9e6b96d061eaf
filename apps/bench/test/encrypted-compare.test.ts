/**
 * `pnpm bench closed --encrypted --pairs N`: plain and encrypted runs alternate, then their medians
 * side by side. One short pair on one node: the order of the runs, zero loss in both, and a table
 * whose figures are all there (not speed: the machine is shared).
 */
import { expect } from "chai";
import { benchDatabase } from "./support/database.ts";
import { parseOptions } from "../src/options.ts";
import type { BenchResult } from "../src/result.ts";
import { runBench } from "../src/run.ts";
import { runEncryptedComparison } from "../src/encrypted-compare.ts";

describe("pnpm bench --encrypted: plain against encrypted chats", function () {
  this.timeout(60_000);
  const database = benchDatabase();

  it("alternates plain and encrypted runs --pairs times and compares their medians", async () => {
    const argv = [
      "closed",
      "--encrypted",
      "--pairs",
      "1",
      "--users",
      "8",
      "--seconds",
      "1.5",
      "--warmup",
      "0.5",
    ];
    const options = { ...parseOptions(argv), ...database() };
    expect(options).to.include({ encrypted: true, pairs: 1, users: 8 });
    const ran: BenchResult[] = [];
    const lines: string[] = [];
    const out = await runEncryptedComparison(
      options,
      async (o) => {
        const r = await runBench(o, () => undefined);
        ran.push(r);
        return r;
      },
      `pnpm bench ${argv.join(" ")}`,
      (l) => lines.push(l),
    );
    expect(ran.map((r) => r.options.encrypted)).to.deep.equal([false, true]);
    expect(lines).to.deep.equal(["pair 1/1: plain chats", "pair 1/1: encrypted chats"]);
    expect(out.ok, JSON.stringify(ran.map((r) => r.loss))).to.equal(true);
    const c = out.comparison;
    expect(c.pairs).to.equal(1);
    expect(c.plain.deliveredPerSec).to.equal(ran[0].deliveredPerSec);
    expect(c.encrypted.deliveredPerSec).to.equal(ran[1].deliveredPerSec);
    for (const v of [
      c.ratio.deliveredPerSec,
      c.ratio.nodeCpuMicrosPerDelivery,
      c.encrypted.encryptMs,
      c.encrypted.decryptMs,
    ])
      expect(v).to.be.finite.and.greaterThan(0);
    expect(out.markdown).to.include("medians of 1 alternating pair(s)");
    expect(out.markdown).to.include("`pnpm bench closed --encrypted --pairs 1");
    expect(out.markdown).to.match(/\| delivered\/s \| \d+ \| \d+ \| \d+\.\d\d \|/);
    expect(out.markdown).to.match(/\| node CPU per delivery \(µs\) \| [\d.]+ \| [\d.]+ \| \d+\.\d\d \|/);
    expect(out.markdown).to.not.include("n/a");
  });
});
