/**
 * Load and the measured window: a warm-up, then the window (closed loop, or one step per offered
 * rate for open), with the progress line once a second and the CPU and processes sampled across it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { summarize } from "./latency.ts";
import type { ThrottleStat } from "./cgroup.ts";
import type { Interval, LoadClient } from "./load.ts";
import { ratesOf, type BenchOptions } from "./options.ts";
import { machineCpu, round, type ProcessFigures, type ProcSampler } from "./proc-stats.ts";
import type { StepFigures } from "./result.ts";
import type { Log } from "./start.ts";
import { connectionsPerPort, type Topology } from "./topology.ts";

/** The progress line once a second, kept as the result's series, until stop() (after the drain). */
export function logProgress(c: LoadClient, log: Log) {
  const series: Interval[] = [];
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
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
  return { series, elapsed, stop: () => clearInterval(ticker) };
}

export interface Measured {
  steps: StepFigures[];
  /** Seconds into the series. */
  windowStart: number;
  windowEnd: number;
  windowMonotonicUs: [number, number];
  cpuStart: ReturnType<typeof machineCpu>;
  cpuEnd: ReturnType<typeof machineCpu>;
  processes: ProcessFigures[];
  perNode: Record<string, number>;
  /** `--node-cpu`: each node's cgroup throttling inside the window. */
  throttle?: Record<string, ThrottleStat>;
}

/** The system's monotonic clock in µs (the clock of V8's CPU profiles). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export async function loadAndMeasure(
  o: BenchOptions,
  c: LoadClient,
  topology: Topology,
  sampler: ProcSampler,
  elapsed: () => number,
): Promise<Measured> {
  const cpu = machineCpu();
  const m: Measured = {
    steps: [],
    windowStart: 0,
    windowEnd: 0,
    windowMonotonicUs: [0, 0],
    cpuStart: cpu,
    cpuEnd: cpu,
    processes: [],
    perNode: {},
  };
  const budgets = topology.budgets?.byNode;
  const readThrottle = () =>
    budgets && Object.fromEntries(Object.entries(budgets).map(([name, b]) => [name, b.throttle()]));
  let throttleStart: Record<string, ThrottleStat> | undefined;
  const startWindow = () => {
    throttleStart = readThrottle();
    sampler.mark();
    m.cpuStart = machineCpu();
    m.windowStart = elapsed();
    m.windowMonotonicUs[0] = monotonicUs();
    c.window.measuring = true;
  };
  if (o.scenario === "closed" || o.scenario === "read") {
    c.beginStep();
    c.startClosed();
    await sleep(o.warmup * 1000);
    startWindow();
    await measureFor(c, o.seconds);
  } else {
    m.steps = await loadOpenSteps(o, c, startWindow);
  }
  // Counted now, not right after connecting: the setup's idle keep-alive REST connections are gone by now.
  const perPort = connectionsPerPort(topology.nodes.map((n) => n.port));
  m.perNode = Object.fromEntries(topology.nodes.map((n) => [n.name, perPort[n.port]]));
  c.window.measuring = false;
  c.running = false;
  m.windowEnd = elapsed();
  m.windowMonotonicUs[1] = monotonicUs();
  m.cpuEnd = machineCpu();
  m.processes = sampler.finish();
  const throttleEnd = readThrottle();
  if (throttleStart && throttleEnd) {
    m.throttle = Object.fromEntries(
      Object.entries(throttleEnd).map(([name, e]) => {
        const s = throttleStart![name];
        return [
          name,
          {
            periods: e.periods - s.periods,
            throttledPeriods: e.throttledPeriods - s.throttledPeriods,
            throttledSeconds: round(e.throttledSeconds - s.throttledSeconds, 3),
          },
        ];
      }),
    );
  }
  return m;
}

/** One step per offered rate; the warm-up precedes the first only. */
async function loadOpenSteps(
  o: BenchOptions,
  c: LoadClient,
  startWindow: () => void,
): Promise<StepFigures[]> {
  const rates = ratesOf(o);
  const steps: StepFigures[] = [];
  for (let i = 0; i < rates.length; i++) {
    c.beginStep();
    const gen = c.startOpen(rates[i]);
    if (i === 0) {
      await sleep(o.warmup * 1000);
      startWindow();
    }
    const got = await measureFor(c, o.seconds);
    gen.stop();
    // Latencies are summarized again after the drain (runBench): a step's late messages count too.
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
  return steps;
}

/** Acks and deliveries inside the window during the next `seconds`. */
async function measureFor(c: LoadClient, seconds: number) {
  const a0 = c.windowAcked;
  const d0 = c.windowDelivered;
  await sleep(seconds * 1000);
  return { acked: c.windowAcked - a0, delivered: c.windowDelivered - d0 };
}
