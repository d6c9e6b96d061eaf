/**
 * A short run of the bench in each topology, asserting that the accounting finds zero loss — not
 * speed (the machine is shared; figures belong in docs/performance.md, not in tests).
 */
import { expect } from "chai";
import { benchDatabase } from "./support/database.ts";
import { DEFAULTS, parseOptions, type BenchOptions } from "../src/options.ts";
import type { BenchResult } from "../src/result.ts";
import { runBench } from "../src/run.ts";
import { checkTargets } from "../src/targets.ts";
import { reportMarkdown } from "../src/report.ts";
import { plots } from "../src/plots.ts";
import { runUploadBench, uploadMarkdown } from "../src/upload.ts";

describe("pnpm bench (smoke)", function () {
  this.timeout(120_000);
  const database = benchDatabase();

  const run = (o: Partial<BenchOptions>) =>
    runBench(
      {
        ...DEFAULTS,
        users: 8,
        seconds: 1.5,
        warmup: 0.5,
        ...database(),
        ...o,
      },
      () => undefined,
    );

  const expectZeroLoss = (r: BenchResult) => {
    expect(r.loss, JSON.stringify(r.loss)).to.include({ ok: true, lost: 0, doubled: 0, unanswered: 0 });
    expect(r.counts.acked).to.be.greaterThan(0);
    expect(r.counts.ackErrors).to.deep.equal({});
    // every device of the other members got every acked message
    expect(r.counts.delivered).to.equal(r.counts.acked * (r.options.chatSize * r.options.devices - 1));
  };

  it("closed loop on one node: every acked message delivered once to each other member and stored", async () => {
    const r = await run({ scenario: "closed" });
    expectZeroLoss(r);
    expect(r.counts.dbRows).to.equal(r.counts.acked);
    expect(r.loss.storedButUnacked).to.equal(0);
    expect(r.processes.map((p) => p.kind)).to.include.members(["node", "postgres", "client"]);
    expect(r.latency.delivery.count).to.be.greaterThan(0);
    // the report and plots render from the result
    const md = reportMarkdown(r, checkTargets(r, {}));
    expect(md).to.match(/ZERO LOSS/);
    expect(Object.values(plots(r)).every((svg) => svg.includes("<polyline"))).to.equal(true);
  });

  it("reads across 2 nodes + nginx + Redis with 2 devices per user: deliveries and fully-read notices exactly once", async () => {
    const r = await run({ scenario: "read", nodes: 2, devices: 2 });
    expectZeroLoss(r);
    expect(r.topology).to.include({ nodes: 2, redis: true, nginx: true });
    expect(r.loss.fullyReadMissing).to.equal(0);
    expect(r.loss.fullyReadDoubled).to.equal(0);
    expect(r.read!.readsAcked).to.equal(r.read!.readsSent);
    expect(r.processes.map((p) => p.kind)).to.include.members(["node", "redis", "nginx", "postgres"]);
  });

  it("closed loop over 2 nodes with each chat's members on one node (--via chat): zero loss", async () => {
    expect(parseOptions(["closed", "--via", "chat"]).via).to.equal("chat");
    expect(() => parseOptions(["closed", "--via", "random"])).to.throw(/--via/);
    const r = await run({ scenario: "closed", nodes: 2, via: "chat" });
    expectZeroLoss(r);
    expect(r.topology).to.include({ nodes: 2, via: "chat" });
  });

  it("upload: files through 2 nodes reach every other member once, with MB/s, p99 and node RSS", async () => {
    const r = await runUploadBench(
      {
        users: 4,
        chatSize: 4,
        nodes: 2,
        sizes: [100_000, 1_000_000],
        filesPerUser: [2, 1],
        limit: 1_000_000,
        ...database(),
      },
      () => undefined,
    );
    expect(r.lost).to.equal(0);
    expect(r.steps.map((s) => [s.size, s.files, s.failures])).to.deep.equal([
      [100_000, 8, 0],
      [1_000_000, 4, 0],
    ]);
    for (const s of r.steps) {
      expect(s.delivered.count).to.equal(s.files);
      expect(s.mbPerSec).to.be.greaterThan(0);
      expect(s.delivered.p99).to.be.at.least(s.uploaded.p50);
    }
    const nodes = r.processes.filter((p) => p.kind === "node");
    expect(nodes).to.have.length(2);
    expect(nodes.every((n) => n.peakRssMB > 0)).to.equal(true);
    expect(uploadMarkdown(r)).to.match(/\| 1 MB \| 4 \|/);
  });

  it("closed loop in encrypted chats over 2 nodes: every acked MLS message decrypted once by each other device", async () => {
    const r = await run({ scenario: "closed", encrypted: true, nodes: 2 });
    expectZeroLoss(r);
    expect(r.counts.dbRows).to.equal(r.counts.acked);
    expect(r.crypto!.encrypt.count).to.equal(r.counts.sent);
    // every delivery was a decryption that worked (the sender's own copy is not decrypted)
    expect(r.crypto!.decrypt.count).to.equal(r.counts.delivered);
    expect(r.crypto!.perDeliveryMs).to.be.greaterThan(0);
    expect(reportMarkdown(r, [])).to.match(/client decrypt ms/);
  });

  it("the baseline server takes the same clients", async () => {
    const r = await run({ scenario: "closed", baseline: true });
    expectZeroLoss(r);
    expect(r.topology.kind).to.equal("baseline");
    expect(r.counts.dbRows).to.equal(null);
  });
});
