/** What one bench run answers (result.json): assemble.ts builds it, cli.ts writes it, report.ts and plots.ts render it. */
import type { LatencySummary } from "./latency.ts";
import type { CryptoFigures } from "./encrypted.ts";
import type { LossReport } from "./ledger.ts";
import type { Interval } from "./load.ts";
import type { RecordedOptions } from "./options.ts";
import type { ProcessFigures } from "./proc-stats.ts";
import type { Topology } from "./topology.ts";

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
    via: "nginx" | "direct" | "chat" | "single";
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
  /** Deliveries per acked send inside the window (chat size × devices − 1 when every send is delivered). */
  fanOut: number | null;
  /**
   * `--node-cpu`: each node's cgroup budget and how much of it the node used in the window; a node
   * near 100 % of its budget and throttled in most periods is saturated.
   */
  budget?: {
    cpusPerNode: number;
    /** The run's parent cgroup (removed at stop). */
    cgroup: string;
    nodes: Array<{
      name: string;
      cpuSeconds: number;
      /** CPU used / (window × budget), in %. */
      usedPercent: number;
      /** Share of the window's 100 ms periods in which the kernel throttled the node, in %. */
      throttledPeriodsPercent: number;
      throttledSeconds: number;
    }>;
  };
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
  read?: {
    readsSent: number;
    readsAcked: number;
    receiptsReceived: number;
    receiptFrames?: number;
    fullyReadNotices: number;
  };
  steps?: StepFigures[];
  series: Interval[];
  /** Seconds into the series where the measured window starts and ends. */
  windowStart: number;
  windowEnd: number;
  /** The window on the system's monotonic clock in µs (the clock of V8's CPU profiles). */
  windowMonotonicUs: [number, number];
  cdf: { ack: Array<[number, number]>; delivery: Array<[number, number]> };
  /** `--encrypted`: what the clients spent in ts-mls (the load generator's CPU, not the nodes'). */
  crypto?: CryptoFigures;
}
