/**
 * This process's CPU use, as the admin console shows it: CPU time (user + system, every thread of
 * the process) spent over a sampling window divided by that window's wall time.
 *
 * Why a window of its own: the figure used to be computed at each read against the previous read.
 * A read right after another (the registry beats, then a request lists the nodes) divided a few ms
 * of CPU time by a window of microseconds, and Linux adds other threads' time (V8's compiler and
 * GC helpers, libuv's pool) in scheduler ticks, so a 2-core machine showed `cpu_percent: 619` just
 * after start. Here readings are only made by `sample()` over at least `minWindowMs`, a read
 * returns the last finished window, and a figure is never above the cores the process may use.
 */
import os from "node:os";

export interface CpuReading {
  /** Cores kept busy over the window: 1 = one full core, at most `cores`. */
  coresUsed: number;
  /** coresUsed / cores × 100, 0..100. */
  percentOfHost: number;
  cores: number;
  windowMs: number;
}

export interface CpuPoint {
  /** process.cpuUsage(): microseconds of user and system CPU time since the process started. */
  usage: { user: number; system: number };
  /** process.hrtime.bigint() when `usage` was read. */
  atNs: bigint;
}

/**
 * The CPU use between two points, or null when the window is shorter than `minWindowMs` (too short
 * to mean anything). Clamped to 0..cores: over a short window the kernel's per-tick accounting
 * of other threads can exceed what the window could hold.
 */
export function cpuBetween(a: CpuPoint, b: CpuPoint, cores: number, minWindowMs: number): CpuReading | null {
  const windowUs = Number(b.atNs - a.atNs) / 1000;
  if (!(windowUs >= minWindowMs * 1000)) return null;
  const busyUs = b.usage.user - a.usage.user + (b.usage.system - a.usage.system);
  const coresUsed = Math.min(cores, Math.max(0, busyUs / windowUs));
  return {
    coresUsed: Math.round(coresUsed * 1000) / 1000,
    percentOfHost: Math.round((coresUsed / cores) * 1000) / 10,
    cores,
    windowMs: Math.round(windowUs / 1000),
  };
}

export interface CpuSamplerOptions {
  /** @default os.availableParallelism() */
  cores?: number;
  /** Windows shorter than this are not reported. @default 500 */
  minWindowMs?: number;
  /** For tests. @default process.cpuUsage / process.hrtime.bigint */
  read?: () => CpuPoint;
}

const readProcess = (): CpuPoint => ({ usage: process.cpuUsage(), atNs: process.hrtime.bigint() });

export class CpuSampler {
  readonly cores: number;
  private readonly minWindowMs: number;
  private readonly read: () => CpuPoint;
  /** Start of the current window: the sampler's creation, never the process start. */
  private from: CpuPoint;
  private last: CpuReading | null = null;

  constructor(o: CpuSamplerOptions = {}) {
    this.cores = Math.max(1, o.cores ?? os.availableParallelism());
    this.minWindowMs = o.minWindowMs ?? 500;
    this.read = o.read ?? readProcess;
    this.from = this.read();
  }

  /** Closes the current window if it is long enough (a shorter one keeps running). */
  sample(): CpuReading | null {
    const now = this.read();
    const reading = cpuBetween(this.from, now, this.cores, this.minWindowMs);
    if (reading) {
      this.last = reading;
      this.from = now;
    }
    return this.last;
  }

  /** The last finished window; null before the first one. Reading does not sample. */
  latest(): CpuReading | null {
    return this.last;
  }
}
