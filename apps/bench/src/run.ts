/**
 * One bench run: start the topology, create users and chats over REST, connect every device,
 * load it (warm-up, then the measured window), drain, account for every message (clients and the
 * database), stop everything, and answer the figures. cli.ts prints and writes them; the smoke test
 * asserts on them.
 */
import os from "node:os";
import pg from "pg";
import { ratesOf, type BenchOptions, type RecordedOptions } from "./options.ts";
import { LoadClient, type Interval, type Placement } from "./load.ts";
import { cdf, summarize, type LatencySummary } from "./latency.ts";
import type { LossReport } from "./ledger.ts";
import { machineCpu, ProcSampler, round, type ProcessFigures } from "./proc-stats.ts";
import { createUsersAndChats, type BenchChat } from "./setup.ts";
import { connectionsPerPort, startTopology, type Topology } from "./topology.ts";

export interface StepFigures {
  rate: number;
  seconds: number;
  sentPerSec: number;
  deliveredPerSec: number;
  shed: number;
  ack: LatencySummary;
  delivery: LatencySummary;
}

export interface BenchResult {
  version: 1;
  startedAt: string;
  label?: string;
  options: RecordedOptions;
  topology: {
    kind: Topology["kind"];
    nodes: number;
    via: "nginx" | "direct" | "single";
    redis: boolean;
    nginx: boolean;
    database: Topology["database"];
  };
  machine: {
    cpus: number;
    node: string;
    loadavgBefore: number[];
    loadavgAfter: number[];
    /** Cores busy on average during the window, everything included. */
    busyCores: number;
    /** CPU seconds per second used by processes that are not part of the run (other work on the machine). */
    otherCores: number;
  };
  setup: { users: number; chats: number; devices: number; seconds: number; connectSeconds: number };
  /** Measured window. */
  seconds: number;
  counts: {
    sent: number;
    acked: number;
    ackErrors: Record<string, number>;
    delivered: number;
    /** Inside the window, by arrival. */
    windowAcked: number;
    windowDelivered: number;
    dbRows: number | null;
  };
  sentPerSec: number;
  deliveredPerSec: number;
  latency: { ack: LatencySummary; delivery: LatencySummary };
  loss: LossReport;
  processes: ProcessFigures[];
  /** Node CPU (all nodes) per delivered message in the window, µs. */
  nodeCpuMicrosPerDelivery: number | null;
  connections: { total: number; perNode: Record<string, number> };
  idle?: {
    connections: number;
    /** Growth of the nodes' private RSS (RssAnon) per connection from half the connections to all. */
    rssPerConnectionKB: number;
    /** The same for live V8 heap + external memory (after a full GC): the allocator-independent part. */
    heapPerConnectionKB: number;
    nodeRssHalfMB: number;
    nodeRssAllMB: number;
  };
  read?: { readsSent: number; readsAcked: number; receiptsReceived: number; fullyReadNotices: number };
  steps?: StepFigures[];
  series: Interval[];
  /** Seconds into the series where the measured window starts and ends. */
  windowStart: number;
  windowEnd: number;
  /** The window on the system's monotonic clock in µs (the clock of V8's CPU profiles). */
  windowMonotonicUs: [number, number];
  cdf: { ack: Array<[number, number]>; delivery: Array<[number, number]> };
}

export type Log = (line: string) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` or until `progress()` stops changing for `quietMs`, at most `maxMs`. */
async function settle(done: () => boolean, progress: () => number, quietMs: number, maxMs: number) {
  const deadline = Date.now() + maxMs;
  let last = progress();
  let lastChange = Date.now();
  while (!done() && Date.now() < deadline && Date.now() - lastChange < quietMs) {
    await sleep(100);
    const p = progress();
    if (p !== last) {
      last = p;
      lastChange = Date.now();
    }
  }
}

function placement(o: BenchOptions, t: Topology): Placement {
  if (t.nodes.length === 1 || !t.nginxUrl) return { target: () => ({ url: t.url }) };
  if (o.via === "direct") {
    return { target: (u, d) => ({ url: t.nodes[(u + d) % t.nodes.length].url }) };
  }
  // nginx routes by a hash of the client address: devices come from 127.0.0.1 … 127.0.0.250.
  return { target: (_u, _d, i) => ({ url: t.nginxUrl!, localAddress: `127.0.0.${1 + (i % 250)}` }) };
}

async function databaseCheck(url: string, chats: BenchChat[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ids = chats.map((c) => c.id);
    const rows = await client.query<{ client_id: string }>(
      "SELECT client_id::text AS client_id FROM messages WHERE chat_id = ANY($1::int[])",
      [ids],
    );
    const gaps = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT chat_id FROM messages WHERE chat_id = ANY($1::int[])
         GROUP BY chat_id HAVING max(seq) <> count(*) OR min(seq) <> 1) g`,
      [ids],
    );
    return { clientIds: new Set(rows.rows.map((r) => r.client_id)), seqGaps: Number(gaps.rows[0].n) };
  } finally {
    await client.end();
  }
}

export async function runBench(o: BenchOptions, log: Log, profileDir?: string): Promise<BenchResult> {
  const startedAt = new Date();
  const runId = `${startedAt.getTime().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const loadavgBefore = os.loadavg();
  const users = Math.floor(o.users / o.chatSize) * o.chatSize;
  if (users !== o.users) log(`users rounded down to ${users} (a multiple of the chat size ${o.chatSize})`);
  const what = o.baseline
    ? "the baseline fan-out server"
    : o.nodes === 1
      ? "1 node"
      : `${o.nodes} nodes + nginx + Redis`;
  log(`starting ${what}…`);
  const topology = await startTopology(o, runId, profileDir);
  const sampler = new ProcSampler(topology.tracked);
  let client: LoadClient | undefined;
  try {
    sampler.begin();
    const setupStarted = performance.now();
    const { users: people, chats } = await createUsersAndChats(
      topology.url,
      { users, chatSize: o.chatSize, concurrency: o.setupConcurrency, runId },
      log,
    );
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    client = new LoadClient(people, {
      devices: o.devices,
      chatSize: o.chatSize,
      messageSize: o.messageSize,
      read: o.scenario === "read",
    });
    const rss = () => topology.nodes.reduce((s, n) => s + sampler.anonKB(n.name), 0);
    const connectStarted = performance.now();
    const totalDevices = users * o.devices;
    const connect = (from: number, to: number) =>
      client!.connect(
        placement(o, topology),
        64,
        (done) => log(`connecting: ${done}/${totalDevices}`),
        from,
        to,
      );
    let idle: BenchResult["idle"];
    if (o.scenario === "idle") {
      // Memory per connection is the growth from the first half of the connections to all of them,
      // each read after a full GC: the setup's garbage, pools, JIT code and heap sizing are in both.
      const half = Math.floor(totalDevices / 2);
      await connect(0, half);
      const heapHalf = await topology.collectGarbage();
      const rssHalf = rss();
      await connect(half, totalDevices);
      const heapAll = await topology.collectGarbage();
      const rssAll = rss();
      idle = {
        connections: totalDevices,
        rssPerConnectionKB: round((rssAll - rssHalf) / (totalDevices - half), 2),
        heapPerConnectionKB: round((heapAll - heapHalf) / (totalDevices - half), 2),
        nodeRssHalfMB: round(rssHalf / 1024, 1),
        nodeRssAllMB: round(rssAll / 1024, 1),
      };
    } else {
      await connect(0, totalDevices);
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    log(`${totalDevices} connections open in ${connectSeconds.toFixed(1)} s`);

    // --- load: warm-up, then the measured window (one step per rate for open) ---
    const series: Interval[] = [];
    const loadStarted = performance.now();
    const elapsed = () => (performance.now() - loadStarted) / 1000;
    const c = client;
    const ticker = setInterval(() => {
      const iv = c.takeInterval(Math.round(elapsed()));
      series.push(iv);
      const phase = c.window.measuring ? "measuring" : "warm-up";
      log(
        `[${String(iv.t).padStart(3)} s ${phase.padEnd(9)}] sent ${String(iv.sent).padStart(6)}/s  delivered ${String(iv.delivered).padStart(7)}/s  ` +
          `ack p50 ${iv.ackP50.toFixed(1)} p99 ${iv.ackP99.toFixed(1)} ms  delivery p99 ${iv.deliveryP99.toFixed(1)} ms  ` +
          `in flight ${iv.inFlight}${iv.errors ? `  errors ${iv.errors}` : ""}`,
      );
    }, 1000);
    const rates = ratesOf(o);
    const steps: StepFigures[] = [];
    let windowStart = 0;
    let windowEnd = 0;
    const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
    const windowMonotonicUs: [number, number] = [0, 0];
    const cpuBefore = machineCpu();
    let cpuStart = cpuBefore;
    let cpuEnd = cpuBefore;
    const measure = async (seconds: number) => {
      const a0 = c.windowAcked;
      const d0 = c.windowDelivered;
      await sleep(seconds * 1000);
      return { acked: c.windowAcked - a0, delivered: c.windowDelivered - d0 };
    };
    const startWindow = () => {
      sampler.mark();
      cpuStart = machineCpu();
      windowStart = elapsed();
      windowMonotonicUs[0] = monotonicUs();
      c.window.measuring = true;
    };
    if (o.scenario === "closed" || o.scenario === "read") {
      c.beginStep();
      c.startClosed();
      await sleep(o.warmup * 1000);
      startWindow();
      await measure(o.seconds);
    } else {
      for (let i = 0; i < rates.length; i++) {
        c.beginStep();
        const gen = c.startOpen(rates[i]);
        if (i === 0) {
          await sleep(o.warmup * 1000);
          startWindow();
        }
        const got = await measure(o.seconds);
        gen.stop();
        // Latencies are summarized after the drain: under overload a step's messages arrive later.
        steps.push({
          rate: rates[i],
          seconds: o.seconds,
          sentPerSec: round(got.acked / o.seconds, 1),
          deliveredPerSec: round(got.delivered / o.seconds, 1),
          shed: gen.shed(),
          ack: summarize(c.stepAck[i]),
          delivery: summarize(c.stepDelivery[i]),
        });
      }
    }
    // Counted now, not right after connecting: the setup's idle keep-alive REST connections are gone by now.
    const perPort = connectionsPerPort(topology.nodes.map((n) => n.port));
    const perNode = Object.fromEntries(topology.nodes.map((n) => [n.name, perPort[n.port]]));
    c.window.measuring = false;
    c.running = false;
    windowEnd = elapsed();
    windowMonotonicUs[1] = monotonicUs();
    cpuEnd = machineCpu();
    const processes = sampler.finish();
    const windowSeconds = windowEnd - windowStart;

    // --- drain: every ack, every delivery, every read ---
    log("draining: waiting for outstanding acks and deliveries…");
    await settle(
      () => c.inFlight === 0,
      () => c.inFlight,
      5000,
      20_000,
    );
    await settle(
      () => c.ledger.missing() === 0,
      () => c.ledger.delivered,
      3000,
      20_000,
    );
    if (o.scenario === "read") {
      await settle(
        () => false,
        () => c.ledger.fullyReadNotices + c.readsAcked,
        1500,
        15_000,
      );
    }
    clearInterval(ticker);
    c.close();
    steps.forEach((step, i) => {
      step.ack = summarize(c.stepAck[i]);
      step.delivery = summarize(c.stepDelivery[i]);
    });

    const db = topology.databaseUrl ? await databaseCheck(topology.databaseUrl, chats) : null;
    const loss = c.ledger.report(db, o.scenario === "read");
    let acked = 0;
    for (const r of c.ledger.sent.values()) if (r.ok) acked++;
    const nodeCpu = processes
      .filter((p) => p.kind === "node" || p.kind === "baseline")
      .reduce((s, p) => s + p.cpuSeconds, 0);
    const ours = processes.reduce((s, p) => s + p.cpuSeconds, 0);
    const busy = cpuEnd.busy - cpuStart.busy;
    const { databaseUrl: _u, outDir: _d, pgDataDir: _p, ...recorded } = o;
    return {
      version: 1,
      startedAt: startedAt.toISOString(),
      label: o.label,
      options: { ...recorded, users },
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
        loadavgBefore: loadavgBefore.map((x) => round(x, 2)),
        loadavgAfter: os.loadavg().map((x) => round(x, 2)),
        busyCores: round(busy / windowSeconds, 2),
        otherCores: round(Math.max(0, busy - ours) / windowSeconds, 2),
      },
      setup: {
        users,
        chats: chats.length,
        devices: totalDevices,
        seconds: round(setupSeconds, 1),
        connectSeconds: round(connectSeconds, 1),
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
      nodeCpuMicrosPerDelivery: c.windowDelivered > 0 ? round((nodeCpu * 1e6) / c.windowDelivered, 1) : null,
      connections: { total: totalDevices, perNode },
      idle,
      read:
        o.scenario === "read"
          ? {
              readsSent: c.readsSent,
              readsAcked: c.readsAcked,
              receiptsReceived: c.receiptsReceived,
              fullyReadNotices: c.ledger.fullyReadNotices,
            }
          : undefined,
      steps: steps.length > 0 ? steps : undefined,
      series,
      windowStart: round(windowStart, 2),
      windowEnd: round(windowEnd, 2),
      windowMonotonicUs,
      cdf: { ack: cdf(c.ack), delivery: cdf(c.delivery) },
    };
  } finally {
    client?.close();
    await topology.stop();
  }
}
