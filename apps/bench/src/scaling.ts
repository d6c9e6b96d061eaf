/**
 * The scaling curve (`pnpm bench closed --nodes 1,2,3,4 --node-cpu 0.2`): one run per node count,
 * every node in its own CPU budget (cgroup.ts) and the offered load fixed per node (`--users` per
 * node, a closed loop), so that delivered/s can only grow with nodes as far as the shared parts —
 * Redis, PostgreSQL, nginx, the load client, the box itself — keep up. Then the curve against the
 * ideal (n × one node), the efficiency, and for a step below 0.8 the shared part that saturated.
 */
import fs from "node:fs";
import path from "node:path";
import type { BenchOptions } from "./options.ts";
import { svgChart } from "./plots.ts";
import { round } from "./proc-stats.ts";
import type { BenchResult } from "./result.ts";
import type { Log } from "./start.ts";

/** Below this, a step is "bent" and the report names what saturated. */
const EFFICIENCY_GOAL = 0.8;
/** A single-threaded process (Redis, nginx's one worker, the load client) this busy is saturated. */
const SATURATED_CORE = 0.85;
/** Cores of work outside the run above which the report says it was measured under load. */
const OTHER_WORK_NOTE = 0.2;
/** A node using this share of its budget is at its budget. */
const SATURATED_BUDGET = 0.85;

interface ScalingStep {
  nodes: number;
  users: number;
  seconds: number;
  deliveredPerSec: number;
  ackP99: number;
  deliveryP99: number;
  /** delivered(n) / (n × delivered(1)). */
  efficiency: number;
  /** CPU seconds per 1,000 deliveries. */
  perThousand: { nodes: number; redis: number; postgres: number; nginx: number; client: number };
  /** Cores used on average in the window. */
  cores: {
    nodes: number;
    redis: number;
    postgres: number;
    nginx: number;
    client: number;
    box: number;
    other: number;
  };
  budget: NonNullable<BenchResult["budget"]>["nodes"];
  lossOk: boolean;
  loadavg: number[];
  /** The busiest shared part against its ceiling, e.g. "Redis 0.31 of 1 core". */
  busiestShared: string;
  /** Steps below EFFICIENCY_GOAL: what saturated, from the figures above. */
  verdict?: string;
}

interface ScalingRun {
  command: string;
  cpusPerNode: number;
  usersPerNode: number;
  machineCpus: number;
  steps: ScalingStep[];
}

/** Runs every step (`runOne` runs and writes one bench run) and returns the curve. */
export async function runScaling(
  o: BenchOptions,
  runOne: (o: BenchOptions) => Promise<BenchResult>,
  log: Log,
  command: string,
): Promise<ScalingRun> {
  const counts = o.nodeSteps ?? [o.nodes];
  const results: BenchResult[] = [];
  for (const nodes of counts) {
    log(`scaling: ${nodes} node(s) × ${o.nodeCpu} CPU, ${o.users * nodes} users (${o.users} per node)`);
    results.push(await runOne({ ...o, nodes, users: o.users * nodes, nodeSteps: undefined }));
  }
  return scalingOf(results, command, o.users);
}

/** The curve's figures from the step results (pure: the unit of what the report says). */
export function scalingOf(results: BenchResult[], command: string, usersPerNode: number): ScalingRun {
  const steps = results.map((r) => stepOf(r));
  const one = steps.find((s) => s.nodes === 1);
  for (const s of steps) {
    s.efficiency =
      one && one.deliveredPerSec > 0 ? round(s.deliveredPerSec / (s.nodes * one.deliveredPerSec), 2) : NaN;
    if (one && s.efficiency < EFFICIENCY_GOAL) s.verdict = verdictOf(s, one, results[0].machine.cpus);
  }
  return {
    command,
    cpusPerNode: results[0]?.budget?.cpusPerNode ?? NaN,
    usersPerNode,
    machineCpus: results[0]?.machine.cpus ?? 0,
    steps,
  };
}

function stepOf(r: BenchResult): ScalingStep {
  const cpu = (kind: string) =>
    r.processes.filter((p) => p.kind === kind).reduce((s, p) => s + p.cpuSeconds, 0);
  const delivered = Math.max(1, r.deliveredPerSec * r.seconds);
  const per = (kind: string) => round((1000 * cpu(kind)) / delivered, 4);
  const cores = (kind: string) => round(cpu(kind) / r.seconds, 2);
  const step: ScalingStep = {
    nodes: r.topology.nodes,
    users: r.options.users,
    seconds: r.seconds,
    deliveredPerSec: r.deliveredPerSec,
    ackP99: r.latency.ack.p99,
    deliveryP99: r.latency.delivery.p99,
    efficiency: NaN,
    perThousand: {
      nodes: per("node"),
      redis: per("redis"),
      postgres: per("postgres"),
      nginx: per("nginx"),
      client: per("client"),
    },
    cores: {
      nodes: cores("node"),
      redis: cores("redis"),
      postgres: cores("postgres"),
      nginx: cores("nginx"),
      client: cores("client"),
      box: r.machine.busyCores,
      other: r.machine.otherCores,
    },
    budget: r.budget?.nodes ?? [],
    lossOk: r.loss.ok,
    loadavg: r.machine.loadavgBefore,
    busiestShared: "",
  };
  const shared = sharedUse(step, r.machine.cpus);
  const top = shared[0];
  step.busiestShared = `${top.name} ${top.cores} of ${top.ceiling} core${top.ceiling === 1 ? "" : "s"}`;
  return step;
}

/**
 * The shared parts and their ceilings, busiest (against its ceiling) first. Redis, nginx (one
 * worker, nginx-process.ts) and the load client are single-threaded: one core. PostgreSQL forks a
 * backend per connection and the box has `cpus` cores, which everything shares.
 */
function sharedUse(s: ScalingStep, cpus: number) {
  return [
    { name: "Redis", cores: s.cores.redis, ceiling: 1 },
    { name: "nginx", cores: s.cores.nginx, ceiling: 1 },
    { name: "the load client", cores: s.cores.client, ceiling: 1 },
    { name: "PostgreSQL", cores: s.cores.postgres, ceiling: cpus },
    { name: "the box", cores: s.cores.box, ceiling: cpus },
  ]
    .map((p) => ({ ...p, use: p.cores / p.ceiling }))
    .sort((a, b) => b.use - a.use);
}

/** What bent a step, named from its measured figures. */
function verdictOf(s: ScalingStep, one: ScalingStep, cpus: number): string {
  const saturated = sharedUse(s, cpus).filter((p) => p.use >= SATURATED_CORE);
  const budgets = s.budget.map((b) => b.usedPercent / 100);
  const minBudget = budgets.length ? Math.min(...budgets) : 0;
  const nodesAtBudget = minBudget >= SATURATED_BUDGET;
  const perDelivery = s.perThousand.nodes / Math.max(1e-9, one.perThousand.nodes);
  const [lo, hi] = [Math.round(100 * minBudget), Math.round(100 * Math.max(0, ...budgets))];
  const nodes = `node${budgets.length === 1 ? "" : "s"} at ${lo === hi ? lo : `${lo}–${hi}`} % of ${budgets.length === 1 ? "its budget" : "their budgets"}`;
  if (saturated.length > 0) {
    const names = saturated
      .map((p) =>
        p.name === "the box"
          ? `the box (${p.cores} of ${cpus} cores busy, ${s.cores.other} of them by work outside this run)`
          : `${p.name} (${p.cores} of ${p.ceiling} core${p.ceiling === 1 ? "" : "s"})`,
      )
      .join(" and ");
    return `${names} saturated; ${nodes}`;
  }
  if (nodesAtBudget)
    return (
      `no shared part saturated (busiest: ${s.busiestShared}); every node at its budget, but node CPU per ` +
      `delivery rose ×${perDelivery.toFixed(2)} over 1 node (${one.perThousand.nodes} → ${s.perThousand.nodes} s per 1,000): ` +
      `the nodes' own cross-node work (Redis publish and subscribe, per-node fan-out) grew with n`
    );
  return (
    `nothing measured saturated (${nodes}; busiest shared part: ${s.busiestShared}): ` +
    `the offered load did not keep the nodes busy — raise --users per node`
  );
}

const int = (v: number) => Math.round(v).toLocaleString("en-US");
const ms = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3))));

function scalingMarkdown(run: ScalingRun, startedAt: string): string {
  const s = run.steps;
  const one = s.find((x) => x.nodes === 1);
  const lines = [
    `# Scaling curve: ${run.cpusPerNode} CPU per node, ${run.usersPerNode} users per node (closed loop)`,
    "",
    `\`${run.command}\` — ${startedAt}, ${run.machineCpus} cores. Each node runs in its own cgroup with a budget of ` +
      `${run.cpusPerNode} CPU; PostgreSQL, Redis, nginx and the load client run outside the budgets. ` +
      `Every step goes through nginx and Redis (1 node too). Ideal = n × delivered/s of 1 node; efficiency = delivered(n) / ideal.`,
    "",
    "![delivered/s against nodes](scaling.svg)",
    "",
    "| nodes | users | delivered/s | ideal | efficiency | ack p99 ms | delivery p99 ms | node CPU s / 1k deliveries | Redis | PostgreSQL | nginx | load client | loss |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...s.map(
      (x) =>
        `| ${x.nodes} | ${int(x.users)} | ${int(x.deliveredPerSec)} | ${one ? int(x.nodes * one.deliveredPerSec) : "–"} | ` +
        `${Number.isFinite(x.efficiency) ? x.efficiency.toFixed(2) : "–"} | ${ms(x.ackP99)} | ${ms(x.deliveryP99)} | ` +
        `${x.perThousand.nodes.toFixed(3)} | ${x.perThousand.redis.toFixed(4)} | ${x.perThousand.postgres.toFixed(3)} | ` +
        `${x.perThousand.nginx.toFixed(3)} | ${x.perThousand.client.toFixed(3)} | ${x.lossOk ? "0" : "LOSS"} |`,
    ),
    "",
    "CPU columns: CPU seconds per 1,000 deliveries (nodes summed; PostgreSQL with every backend; nginx master + worker).",
    "",
    "## Where the CPU went (cores on average in the window) and the nodes against their budgets",
    "",
    "| nodes | nodes | Redis | PostgreSQL | nginx | load client | box busy | of it other work | busiest shared part | each node: used of budget (throttled periods) | load avg before |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ...s.map(
      (x) =>
        `| ${x.nodes} | ${x.cores.nodes} | ${x.cores.redis} | ${x.cores.postgres} | ${x.cores.nginx} | ${x.cores.client} | ` +
        `${x.cores.box} | ${x.cores.other} | ${x.busiestShared} | ` +
        `${x.budget.map((b) => `${b.name} ${Math.round(b.usedPercent)} % (${Math.round(b.throttledPeriodsPercent)} %)`).join(", ")} | ` +
        `${x.loadavg.join(" ")} |`,
    ),
    "",
    "A node near 100 % of its budget and throttled in most 100 ms periods is saturated: it is the budget, not the shared parts, that limits it.",
    "",
    "## Where it bends",
    "",
  ];
  const bent = s.filter((x) => x.verdict);
  if (!one) lines.push("No 1-node step: no ideal line and no efficiency.");
  else if (bent.length === 0) lines.push(`Every step is at ≥ ${EFFICIENCY_GOAL} × linear.`);
  else
    for (const x of bent)
      lines.push(`- ${x.nodes} nodes, efficiency ${x.efficiency.toFixed(2)}: ${x.verdict}.`);
  if (s.some((x) => x.cores.other > OTHER_WORK_NOTE))
    // Said up front: a curve measured next to other work is not the design's curve.
    lines.splice(
      4,
      0,
      `**Measured under load from other work**: processes outside this run used up to ${Math.max(...s.map((x) => x.cores.other))} of the ${run.machineCpus} cores during a window ("other work" below); rerun on a quiet machine for the design's curve.`,
      "",
    );
  return lines.join("\n");
}

/** delivered/s against nodes, with the ideal line n × one node. */
function scalingSvg(run: ScalingRun): string {
  const one = run.steps.find((s) => s.nodes === 1);
  const max = Math.max(...run.steps.map((s) => s.nodes));
  return svgChart({
    title: `Delivered/s against nodes (${run.cpusPerNode} CPU each, ${run.usersPerNode} users per node)`,
    xLabel: "nodes",
    yLabel: "deliveries/s",
    xTicks: Array.from({ length: max + 1 }, (_, i) => [i, String(i)] as [number, string]),
    series: [
      { name: "measured", color: "#d1521f", points: run.steps.map((s) => [s.nodes, s.deliveredPerSec]) },
      ...(one
        ? [
            {
              name: "ideal (n × 1 node)",
              color: "#999999",
              points: [[0, 0], ...run.steps.map((s) => [s.nodes, s.nodes * one.deliveredPerSec])] as Array<
                [number, number]
              >,
            },
            {
              name: `${EFFICIENCY_GOAL} × ideal`,
              color: "#cccccc",
              points: [
                [0, 0],
                ...run.steps.map((s) => [s.nodes, EFFICIENCY_GOAL * s.nodes * one.deliveredPerSec]),
              ] as Array<[number, number]>,
            },
          ]
        : []),
    ],
  });
}

/** Writes `<stamp>-scaling.md`, `<stamp>-scaling.svg` and `<stamp>-scaling.json` into `outDir`. */
export function writeScaling(run: ScalingRun, outDir: string, stamp: string, startedAt: string) {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `${stamp}-scaling`);
  const svgName = `${path.basename(base)}.svg`;
  fs.writeFileSync(
    `${base}.md`,
    `${scalingMarkdown(run, startedAt).replace("(scaling.svg)", `(${svgName})`)}\n`,
  );
  fs.writeFileSync(`${base}.svg`, scalingSvg(run));
  fs.writeFileSync(`${base}.json`, JSON.stringify(run, null, 2));
  return { md: `${base}.md`, svg: `${base}.svg` };
}
