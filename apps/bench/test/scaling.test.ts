/**
 * A tiny scaling curve (`--nodes 1,2 --node-cpu 0.5`, 8 users per node): every node inside its own
 * budget, zero loss at each step, and the report and plot written. Not speed: the machine is shared.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { createBudgets } from "../src/cgroup.ts";
import { DEFAULTS, parseOptions } from "../src/options.ts";
import type { BenchResult } from "../src/result.ts";
import { runBench } from "../src/run.ts";
import { runScaling, scalingOf, writeScaling } from "../src/scaling.ts";

describe("pnpm bench closed --nodes 1,2 --node-cpu 0.5 (scaling curve)", function () {
  this.timeout(120_000);
  const databaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  let tmp: string;
  before(function () {
    try {
      createBudgets(`chat-bench-probe-${process.pid}`, ["probe"], 0.5).remove();
    } catch (err) {
      this.test!.parent!.title += ` (skipped: ${(err as Error).message})`;
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chat-bench-scaling-"));
    fs.chmodSync(tmp, 0o755); // the embedded server runs as the postgres user when we are root
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  it("parses: a node list needs --node-cpu, and --users is per node", () => {
    expect(() => parseOptions(["closed", "--nodes", "1,2"])).to.throw(/--node-cpu/);
    expect(() => parseOptions(["open", "--nodes", "1,2", "--node-cpu", "0.2"])).to.throw(/closed or read/);
    const o = parseOptions(["closed", "--nodes", "1,2,3,4", "--node-cpu", "0.2", "--users", "100"]);
    expect(o).to.include({ nodes: 1, nodeCpu: 0.2, users: 100 });
    expect(o.nodeSteps).to.deep.equal([1, 2, 3, 4]);
  });

  it("runs 1 and 2 budgeted nodes with zero loss and writes the curve, the ideal line and the efficiency", async () => {
    const results: BenchResult[] = [];
    const run = await runScaling(
      {
        ...DEFAULTS,
        scenario: "closed",
        users: 8,
        seconds: 2,
        warmup: 0.5,
        nodeSteps: [1, 2],
        nodeCpu: 0.5,
        databaseUrl,
        pgDataDir: databaseUrl ? undefined : path.join(tmp, "pg"),
      },
      async (o) => {
        const r = await runBench(o, () => undefined);
        results.push(r);
        return r;
      },
      () => undefined,
      "pnpm bench closed --nodes 1,2 --node-cpu 0.5 --users 8",
    );
    expect(run.steps.map((s) => [s.nodes, s.users])).to.deep.equal([
      [1, 8],
      [2, 16],
    ]);
    for (const r of results) {
      expect(r.loss, JSON.stringify(r.loss)).to.include({ ok: true, lost: 0, doubled: 0, unanswered: 0 });
      expect(r.counts.acked).to.be.greaterThan(0);
      // every node ran inside its own budget, behind nginx + Redis (1 node too)
      expect(r.topology).to.include({ nginx: true, redis: true });
      expect(r.budget!.cpusPerNode).to.equal(0.5);
      expect(r.budget!.nodes.map((n) => n.name)).to.deep.equal(
        r.processes.filter((p) => p.kind === "node").map((p) => p.name),
      );
      for (const n of r.budget!.nodes) expect(n.usedPercent).to.be.within(0, 115);
    }
    expect(run.steps[0].efficiency).to.equal(1);
    expect(run.steps[1].efficiency).to.be.greaterThan(0);
    expect(run.steps.every((s) => s.lossOk)).to.equal(true);

    const files = writeScaling(run, tmp, "t", new Date().toISOString());
    const md = fs.readFileSync(files.md, "utf8");
    expect(md).to.match(/\| 2 \| 16 \| [\d,]+ \| [\d,]+ \| \d\.\d\d \|/);
    expect(md).to.include("t-scaling.svg");
    const svg = fs.readFileSync(files.svg, "utf8");
    expect(svg).to.include("ideal (n × 1 node)");
    expect(svg.match(/<polyline/g)).to.have.length(3);
    // each run's cgroups are gone after it
    for (const r of results) expect(fs.existsSync(r.budget!.cgroup), r.budget!.cgroup).to.equal(false);
  });

  it("names what saturated in a bent step, from the figures", () => {
    const base = JSON.parse(
      JSON.stringify({
        machine: { cpus: 2, busyCores: 1, otherCores: 0, loadavgBefore: [1, 1, 1] },
        options: { users: 100 },
        seconds: 10,
        latency: { ack: { p99: 10 }, delivery: { p99: 12 } },
        loss: { ok: true },
      }),
    ) as BenchResult;
    const step = (
      nodes: number,
      delivered: number,
      cpu: Record<string, number>,
      used: number,
    ): BenchResult => ({
      ...base,
      topology: { ...base.topology, nodes },
      options: { ...base.options, users: 100 * nodes },
      deliveredPerSec: delivered,
      processes: Object.entries(cpu).map(([kind, s]) => ({
        kind,
        name: kind,
        cpuSeconds: s,
      })) as BenchResult["processes"],
      budget: {
        cpusPerNode: 0.2,
        cgroup: "/sys/fs/cgroup/cpu/x",
        nodes: Array.from({ length: nodes }, (_, i) => ({
          name: `node-${i + 1}`,
          cpuSeconds: 2 * used,
          usedPercent: 100 * used,
          throttledPeriodsPercent: 90,
          throttledSeconds: 5,
        })),
      },
    });
    const run = scalingOf(
      [
        step(1, 3000, { node: 2, redis: 0.5, client: 2, nginx: 1, postgres: 2 }, 1),
        step(3, 6000, { node: 4, redis: 9.5, client: 4, nginx: 2, postgres: 4 }, 0.7),
        step(4, 8000, { node: 8, redis: 3, client: 5, nginx: 3, postgres: 6 }, 1),
      ],
      "x",
      100,
    );
    expect(run.steps[1].efficiency).to.equal(0.67);
    expect(run.steps[1].verdict).to.match(/^Redis \(0\.95 of 1 core\) saturated/);
    expect(run.steps[2].verdict).to.match(/every node at its budget, but node CPU per delivery rose ×1\.50/);
  });
});
