/** The report phase: a run's figures assembled from what each phase measured, as result.json holds them. */
import os from "node:os";
import type { Connected } from "./devices.ts";
import type { Reconciled } from "./drain.ts";
import { cdf, summarize } from "./latency.ts";
import type { Interval, LoadClient } from "./load.ts";
import type { BenchOptions } from "./options.ts";
import { round, type ProcessFigures } from "./proc-stats.ts";
import type { BenchResult } from "./result.ts";
import type { SetUp, Start } from "./start.ts";
import type { Topology } from "./topology.ts";
import type { Measured } from "./window.ts";
import type { ThrottleStat } from "./cgroup.ts";

interface Phases {
  o: BenchOptions;
  start: Start;
  topology: Topology;
  setup: SetUp;
  connected: Connected;
  series: Interval[];
  measured: Measured;
  reconciled: Reconciled;
  c: LoadClient;
}

export function resultOf({
  o,
  start,
  topology,
  setup,
  connected,
  series,
  measured,
  reconciled,
  c,
}: Phases): BenchResult {
  const { db, loss } = reconciled;
  const { processes } = measured;
  const windowSeconds = measured.windowEnd - measured.windowStart;
  let acked = 0;
  for (const r of c.ledger.sent.values()) if (r.ok) acked++;
  const nodeCpu = processes
    .filter((p) => p.kind === "node" || p.kind === "baseline")
    .reduce((s, p) => s + p.cpuSeconds, 0);
  const ours = processes.reduce((s, p) => s + p.cpuSeconds, 0);
  const busy = measured.cpuEnd.busy - measured.cpuStart.busy;
  const { databaseUrl: _u, outDir: _d, pgDataDir: _p, ...recorded } = o;
  return {
    version: 1,
    startedAt: start.startedAt.toISOString(),
    label: o.label,
    options: { ...recorded, users: start.users },
    topology: {
      kind: topology.kind,
      nodes: topology.nodes.length,
      via: topology.nodes.length === 1 ? "single" : o.via,
      redis: topology.tracked.some((t) => t.kind === "redis"),
      nginx: !!topology.nginxUrl,
      database: topology.database,
    },
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadavgBefore: start.loadavgBefore.map((x) => round(x, 2)),
      loadavgAfter: os.loadavg().map((x) => round(x, 2)),
      busyCores: round(busy / windowSeconds, 2),
      otherCores: round(Math.max(0, busy - ours) / windowSeconds, 2),
    },
    setup: {
      users: start.users,
      chats: setup.chats.length,
      devices: connected.devices,
      seconds: round(setup.seconds, 1),
      connectSeconds: round(connected.seconds, 1),
    },
    seconds: round(windowSeconds, 2),
    counts: {
      sent: c.ledger.sent.size,
      acked,
      ackErrors: c.errors,
      delivered: c.ledger.delivered,
      windowAcked: c.windowAcked,
      windowDelivered: c.windowDelivered,
      dbRows: db ? db.clientIds.size : null,
    },
    sentPerSec: round(c.windowAcked / windowSeconds, 1),
    deliveredPerSec: round(c.windowDelivered / windowSeconds, 1),
    latency: { ack: summarize(c.ack), delivery: summarize(c.delivery) },
    loss,
    processes,
    fanOut: c.windowAcked > 0 ? round(c.windowDelivered / c.windowAcked, 1) : null,
    budget:
      topology.budgets &&
      budgetFigures(
        topology.budgets.cpus,
        topology.budgets.dir,
        windowSeconds,
        processes,
        measured.throttle ?? {},
      ),
    nodeCpuMicrosPerDelivery: c.windowDelivered > 0 ? round((nodeCpu * 1e6) / c.windowDelivered, 1) : null,
    connections: { total: connected.devices, perNode: measured.perNode },
    idle: connected.idle,
    read:
      o.scenario === "read"
        ? {
            readsSent: c.readsSent,
            readsAcked: c.readsAcked,
            receiptsReceived: c.receiptsReceived,
            fullyReadNotices: c.ledger.fullyReadNotices,
          }
        : undefined,
    steps: measured.steps.length > 0 ? measured.steps : undefined,
    series,
    windowStart: round(measured.windowStart, 2),
    windowEnd: round(measured.windowEnd, 2),
    windowMonotonicUs: measured.windowMonotonicUs,
    cdf: { ack: cdf(c.ack), delivery: cdf(c.delivery) },
    crypto: c.mls?.figures(c.ledger.delivered),
  };
}

function budgetFigures(
  cpus: number,
  cgroup: string,
  seconds: number,
  processes: ProcessFigures[],
  throttle: Record<string, ThrottleStat>,
): NonNullable<BenchResult["budget"]> {
  return {
    cpusPerNode: cpus,
    cgroup,
    nodes: processes
      .filter((p) => p.kind === "node")
      .map((p) => {
        const t = throttle[p.name];
        return {
          name: p.name,
          cpuSeconds: p.cpuSeconds,
          usedPercent: round((100 * p.cpuSeconds) / (seconds * cpus), 1),
          throttledPeriodsPercent: t && t.periods > 0 ? round((100 * t.throttledPeriods) / t.periods, 1) : 0,
          throttledSeconds: t?.throttledSeconds ?? 0,
        };
      }),
  };
}
