/**
 * A node's load over fixed sampling windows, for its registry heartbeat and so for the admin
 * console: CPU (cpu-sampler.ts), event-loop delay, and from the node's own Prometheus series
 * (metrics.ts) the messages and deliveries per second, the ack and delivery quantiles and the Redis
 * adapter's messages and bytes per second, published and received apart.
 * Sampled on a timer, never on read, so a read right after another does not shrink the window.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type client from "prom-client";
import type { z } from "zod";
import type { NodeWindowSchema } from "@chat/protocol";
import { CpuSampler, type CpuReading } from "./cpu-sampler.ts";
import { bucketDelta, bucketQuantile, bucketTotal, readBuckets, type Buckets } from "./histogram-window.ts";

export type NodeWindow = z.output<typeof NodeWindowSchema>;

/** Series of metrics.ts read here (names are that file's). */
const ACK = "chat_ack_latency_seconds";
const DELIVERY = "chat_delivery_latency_seconds";
const ADAPTER_MESSAGES = "chat_adapter_messages_total";
const ADAPTER_BYTES = "chat_adapter_bytes_total";

/** A counter's value summed over the series whose labels match (0 when the counter is absent). */
async function readCounter(
  registry: client.Registry,
  name: string,
  match: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(match).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

export interface LoadReading {
  cpu: CpuReading | null;
  window: NodeWindow | null;
}

interface Counts {
  atMs: number;
  ack: Buckets;
  delivery: Buckets;
  published: number;
  received: number;
  publishedBytes: number;
  receivedBytes: number;
}

const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 100_000) / 100);
const rate = (n: number, seconds: number) => Math.round((n / seconds) * 100) / 100;

export class NodeLoad {
  readonly cpu: CpuSampler;
  private readonly loop: ReturnType<typeof monitorEventLoopDelay>;
  private readonly timer: NodeJS.Timeout;
  private prev: Counts | undefined;
  private window: NodeWindow | null = null;
  private sampling: Promise<void> | undefined;

  /**
   * `registry`: the node's prom-client registry (NodeMetrics.registry).
   * `everyMs`: the sampling window. @default 2000
   */
  constructor(
    private readonly registry: client.Registry,
    everyMs = 2000,
    cpu = new CpuSampler({ minWindowMs: Math.min(500, everyMs / 2) }),
  ) {
    this.cpu = cpu;
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    void this.sample();
    this.timer = setInterval(() => void this.sample(), everyMs);
    this.timer.unref();
  }

  /** Closes the current window (the timer calls it; tests may too). */
  sample(): Promise<void> {
    return (this.sampling ??= this.take().finally(() => (this.sampling = undefined)));
  }

  private async take(): Promise<void> {
    this.cpu.sample();
    const now: Counts = {
      atMs: performance.now(),
      ack: await readBuckets(this.registry, ACK, { event: "message:send" }),
      delivery: await readBuckets(this.registry, DELIVERY),
      published: await readCounter(this.registry, ADAPTER_MESSAGES, { direction: "published" }),
      received: await readCounter(this.registry, ADAPTER_MESSAGES, { direction: "received" }),
      publishedBytes: await readCounter(this.registry, ADAPTER_BYTES, { direction: "published" }),
      receivedBytes: await readCounter(this.registry, ADAPTER_BYTES, { direction: "received" }),
    };
    const lagMs = this.loop.count > 0 ? this.loop.percentile(99) / 1e6 : 0;
    this.loop.reset();
    const prev = this.prev;
    this.prev = now;
    if (!prev) return;
    const seconds = (now.atMs - prev.atMs) / 1000;
    if (seconds <= 0) return;
    const perSecond = (k: "published" | "received" | "publishedBytes" | "receivedBytes") =>
      rate(Math.max(0, now[k] - prev[k]), seconds);
    const ack = bucketDelta(prev.ack, now.ack);
    const delivery = bucketDelta(prev.delivery, now.delivery);
    this.window = {
      seconds: Math.round(seconds * 1000) / 1000,
      messages_per_second: rate(bucketTotal(ack), seconds),
      deliveries_per_second: rate(bucketTotal(delivery), seconds),
      ack_p50_ms: ms(bucketQuantile(0.5, ack)),
      ack_p99_ms: ms(bucketQuantile(0.99, ack)),
      delivery_p50_ms: ms(bucketQuantile(0.5, delivery)),
      delivery_p99_ms: ms(bucketQuantile(0.99, delivery)),
      adapter_published_per_second: perSecond("published"),
      adapter_received_per_second: perSecond("received"),
      adapter_published_bytes_per_second: perSecond("publishedBytes"),
      adapter_received_bytes_per_second: perSecond("receivedBytes"),
      event_loop_lag_p99_ms: Math.round(lagMs * 100) / 100,
    };
  }

  latest(): LoadReading {
    return { cpu: this.cpu.latest(), window: this.window };
  }

  stop(): void {
    clearInterval(this.timer);
    this.loop.disable();
  }
}
