/**
 * The figures to beat (issue "Benchmark and speed"), checked against a run. Comparisons with a
 * 1-node run or the baseline use the latest matching result in the results folder (or the one the
 * CLI just ran).
 */
import fs from "node:fs";
import path from "node:path";
import type { BenchResult } from "./result.ts";

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
  /** How far off, when missed. */
  miss?: string;
}

export interface References {
  oneNode?: { result: BenchResult; dir: string };
  baseline?: { result: BenchResult; dir: string };
}

const n = (v: number) => Math.round(v).toLocaleString("en-US");
const below = (measured: number, target: number) =>
  `${Math.round((100 * (target - measured)) / target)} % short (needs ×${(target / Math.max(measured, 1e-9)).toFixed(2)})`;
const over = (measured: number, target: number) => `×${(measured / target).toFixed(2)} the limit`;

function atLeast(name: string, measured: number, target: number, unit: string): TargetCheck {
  const met = measured >= target;
  return {
    name,
    target: `≥ ${n(target)}${unit}`,
    measured: `${n(measured)}${unit}`,
    met,
    miss: met ? undefined : below(measured, target),
  };
}

function atMost(name: string, measured: number, target: number, unit: string, digits = 1): TargetCheck {
  const met = measured <= target;
  return {
    name,
    target: `≤ ${target}${unit}`,
    measured: `${measured.toFixed(digits)}${unit}`,
    met,
    miss: met ? undefined : over(measured, target),
  };
}

/** Same load shape (what makes two runs comparable). */
function sameLoad(a: BenchResult, b: BenchResult): boolean {
  const k = (r: BenchResult) =>
    [
      r.options.scenario,
      r.options.users,
      r.options.chatSize,
      r.options.devices,
      r.options.messageSize,
      r.options.rates.join(","),
    ].join("|");
  return k(a) === k(b);
}

export function checkTargets(r: BenchResult, refs: References): TargetCheck[] {
  if (r.topology.kind === "baseline") return [];
  const out: TargetCheck[] = [];
  // A budgeted node (--node-cpu) is a small machine: the whole-box throughput targets do not apply;
  // the scaling report (scaling.ts) judges n nodes against n × one node instead.
  const closed = r.options.scenario === "closed" && r.options.chatSize === 4 && !r.budget;
  const zeroLoss: TargetCheck = {
    name: "zero loss",
    target: "0 lost, doubled or unacked-stored",
    measured: r.loss.ok
      ? "0"
      : `${r.loss.lost} lost, ${r.loss.doubled} doubled, ${r.loss.storedButUnacked ?? 0} stored-unacked, ${r.loss.unanswered} unanswered`,
    met: r.loss.ok,
    miss: r.loss.ok ? undefined : "see loss accounting",
  };
  if (closed && r.topology.nodes === 1) {
    out.push(
      atLeast("delivered messages/s (closed loop, chats of 4, 1 node)", r.deliveredPerSec, 30_000, "/s"),
    );
    out.push(atMost("p99 delivery latency", r.latency.delivery.p99, 50, " ms"));
  }
  if (closed && r.topology.nodes > 1) {
    const ref = refs.oneNode;
    if (ref) {
      const want = 0.8 * ref.result.deliveredPerSec;
      const c = atLeast(
        `delivered/s through ${r.topology.nodes} nodes + nginx + Redis vs 1 node (${n(ref.result.deliveredPerSec)}/s in ${path.basename(ref.dir)})`,
        r.deliveredPerSec,
        want,
        "/s",
      );
      c.target = `≥ 80 % (${n(want)}/s)`;
      c.measured = `${n(r.deliveredPerSec)}/s (${Math.round((100 * r.deliveredPerSec) / ref.result.deliveredPerSec)} %)`;
      out.push(c);
    } else {
      out.push({
        name: `delivered/s through ${r.topology.nodes} nodes vs 1 node`,
        target: "≥ 80 % of the 1-node figure",
        measured: "no 1-node run with the same load in the results folder",
        met: false,
        miss: "run the same command with --nodes 1 first",
      });
    }
  }
  if (closed && r.nodeCpuMicrosPerDelivery !== null) {
    out.push(atMost("node CPU per delivered message (saturated)", r.nodeCpuMicrosPerDelivery, 40, " µs"));
  }
  if (r.options.scenario === "idle" && r.idle) {
    out.push(atLeast("idle connections on one node", r.idle.connections, 10_000, ""));
    out.push(atMost("RSS per idle connection", r.idle.rssPerConnectionKB, 15, " KB"));
  }
  if (refs.baseline && refs.baseline.result.deliveredPerSec > 0) {
    const b = refs.baseline.result.deliveredPerSec;
    const c = atLeast(`share of the baseline's delivered/s (${n(b)}/s)`, r.deliveredPerSec, 0.5 * b, "/s");
    c.target = `≥ 50 % (${n(0.5 * b)}/s)`;
    c.measured = `${n(r.deliveredPerSec)}/s (${Math.round((100 * r.deliveredPerSec) / b)} %)`;
    out.push(c);
  }
  out.push(zeroLoss);
  return out;
}

/** The latest result in `outDir` with the same load that satisfies `pick`. */
export function findReference(
  outDir: string,
  like: BenchResult,
  pick: (r: BenchResult) => boolean,
): { result: BenchResult; dir: string } | undefined {
  let dirs: string[];
  try {
    dirs = fs.readdirSync(outDir).sort().reverse();
  } catch {
    return undefined;
  }
  for (const d of dirs) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(outDir, d, "result.json"), "utf8")) as BenchResult;
      if (r.version === 1 && sameLoad(r, like) && pick(r)) return { result: r, dir: path.join(outDir, d) };
    } catch {
      /* not a result folder */
    }
  }
  return undefined;
}
