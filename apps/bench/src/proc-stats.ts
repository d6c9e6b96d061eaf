/**
 * CPU seconds and peak memory of the processes under test, from /proc (Linux). A tracked process
 * is a group of pids: a node or Redis is one; nginx is its master and workers; PostgreSQL is the
 * postmaster and every backend it forked — backends come and go, and an exited child's CPU time
 * moves into its parent's cutime/cstime, so "postmaster with children's totals + live children"
 * counts it exactly once.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime (+ cutime + cstime: reaped children), in seconds. */
  cpu: number;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function readStat(pid: number): ProcStat | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    // Fields after "(comm)": state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based from pid.
    const f = s.slice(close + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { pid, ppid: Number(f[1]), comm: s.slice(s.indexOf("(") + 1, close), cpu: ticks / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/status in kB (VmRSS, VmHWM, RssAnon, RssFile, RssShmem). */
function readStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
      const m = /^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
  } catch {
    /* gone */
  }
  return out;
}

function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    if (readStat(Number(name))?.ppid === ppid) out.push(Number(name));
  }
  return out;
}

export interface Tracked {
  name: string;
  kind: "node" | "redis" | "nginx" | "postgres" | "baseline";
  pid: number;
  /** Count the children too (nginx workers, PostgreSQL backends). */
  withChildren: boolean;
}

export interface ProcessFigures {
  name: string;
  kind: Tracked["kind"] | "client";
  pid: number;
  /** CPU seconds inside the measured window. */
  cpuSeconds: number;
  /** Share of one core over the window, in %. */
  cpuPercent: number;
  /** Peak resident memory in MB (the kernel's VmHWM; for groups, the peak of sampled sums, shared pages once). */
  peakRssMB: number;
  /** Resident memory at the end of the window, MB. */
  rssMB: number;
}

interface Sample {
  cpu: number;
  rssKB: number;
}

/** One reading of a tracked group: CPU and resident memory (private pages summed, shared counted once). */
function sample(t: Tracked): Sample | undefined {
  const main = readStat(t.pid);
  if (!main) return undefined;
  const pids = t.withChildren ? [t.pid, ...childrenOf(t.pid)] : [t.pid];
  let cpu = 0;
  let anon = 0;
  let shared = 0;
  for (const pid of pids) {
    const st = pid === t.pid ? main : readStat(pid);
    if (!st) continue;
    cpu += st.cpu;
    const s = readStatus(pid);
    if (!t.withChildren) return { cpu: st.cpu, rssKB: s.VmRSS ?? 0 };
    anon += s.RssAnon ?? 0;
    shared = Math.max(shared, (s.RssFile ?? 0) + (s.RssShmem ?? 0));
  }
  return { cpu, rssKB: anon + shared };
}

/** Samples every tracked group on a timer; `mark()` starts the measured window, `finish()` ends it. */
export class ProcSampler {
  private readonly start = new Map<string, Sample>();
  private readonly peak = new Map<string, number>();
  private readonly last = new Map<string, Sample>();
  private timer: NodeJS.Timeout | undefined;
  private markedAt = 0;
  private clientCpu = process.cpuUsage();
  private clientStartRss = 0;

  constructor(private readonly tracked: Tracked[]) {}

  begin(intervalMs = 500): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Starts the measured window (CPU counts from here). */
  mark(): void {
    this.tick();
    for (const t of this.tracked) {
      const s = this.last.get(t.name);
      if (s) this.start.set(t.name, s);
    }
    this.clientCpu = process.cpuUsage();
    this.clientStartRss = process.memoryUsage().rss;
    this.markedAt = performance.now();
  }

  /** Current resident memory of one tracked group in kB (e.g. a node before and after connecting). */
  rssKB(name: string): number {
    const t = this.tracked.find((x) => x.name === name);
    return (t && sample(t)?.rssKB) ?? 0;
  }

  /**
   * Private resident memory (RssAnon: heap, malloc, stacks) of a single process in kB. Unlike
   * VmRSS it leaves out file-backed pages (the node binary, libraries), which the kernel pages in
   * and out with the machine's memory pressure and which do not grow with connections.
   */
  anonKB(name: string): number {
    const t = this.tracked.find((x) => x.name === name);
    return t ? (readStatus(t.pid).RssAnon ?? 0) : 0;
  }

  finish(): ProcessFigures[] {
    this.tick();
    if (this.timer) clearInterval(this.timer);
    const seconds = (performance.now() - this.markedAt) / 1000;
    const out: ProcessFigures[] = [];
    for (const t of this.tracked) {
      const s0 = this.start.get(t.name);
      const s1 = this.last.get(t.name);
      const cpu = s0 && s1 ? s1.cpu - s0.cpu : 0;
      // A single process: the kernel's own high-water mark; a group: the peak of our samples.
      const hwm = t.withChildren ? 0 : (readStatus(t.pid).VmHWM ?? 0);
      out.push({
        name: t.name,
        kind: t.kind,
        pid: t.pid,
        cpuSeconds: round(cpu, 3),
        cpuPercent: round((100 * cpu) / seconds, 1),
        peakRssMB: round(Math.max(hwm, this.peak.get(t.name) ?? 0) / 1024, 1),
        rssMB: round((s1?.rssKB ?? 0) / 1024, 1),
      });
    }
    const c = process.cpuUsage(this.clientCpu);
    const clientCpu = (c.user + c.system) / 1e6;
    out.push({
      name: "load client",
      kind: "client",
      pid: process.pid,
      cpuSeconds: round(clientCpu, 3),
      cpuPercent: round((100 * clientCpu) / seconds, 1),
      // maxRSS is in kB and covers this process's whole life (setup included).
      peakRssMB: round(Math.max(process.resourceUsage().maxRSS, this.clientStartRss / 1024) / 1024, 1),
      rssMB: round(process.memoryUsage().rss / 1024 / 1024, 1),
    });
    return out;
  }

  private tick(): void {
    for (const t of this.tracked) {
      const s = sample(t);
      if (!s) continue;
      this.last.set(t.name, s);
      this.peak.set(t.name, Math.max(this.peak.get(t.name) ?? 0, s.rssKB));
    }
  }
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Busy and total CPU time of the whole machine (all cores), in seconds, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  try {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3] + f[4];
    return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
  } catch {
    return { busy: 0, total: 0 };
  }
}
