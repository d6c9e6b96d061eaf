/**
 * `--encrypted`: plain and encrypted runs alternate (so a drift of the shared machine hits both),
 * then their medians side by side: delivered/s, node CPU per delivery, delivery p50/p99, and what
 * the clients spent in ts-mls.
 */
import type { BenchOptions } from "./options.ts";
import type { BenchResult } from "./result.ts";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");

interface EncryptedComparison {
  pairs: number;
  plain: {
    deliveredPerSec: number;
    nodeCpuMicrosPerDelivery: number;
    /** The load generator's process (all its devices), per delivery. */
    clientCpuMicrosPerDelivery: number;
    deliveryP50: number;
    deliveryP99: number;
  };
  encrypted: EncryptedComparison["plain"] & { encryptMs: number; decryptMs: number };
  /** encrypted / plain, medians. */
  ratio: { deliveredPerSec: number; nodeCpuMicrosPerDelivery: number };
}

function compareEncrypted(plain: BenchResult[], encrypted: BenchResult[]): EncryptedComparison {
  const side = (rs: BenchResult[]) => ({
    deliveredPerSec: median(rs.map((r) => r.deliveredPerSec)),
    nodeCpuMicrosPerDelivery: median(rs.map((r) => r.nodeCpuMicrosPerDelivery ?? NaN)),
    clientCpuMicrosPerDelivery: median(
      rs.map((r) => {
        const cpu = r.processes.filter((p) => p.kind === "client").reduce((s, p) => s + p.cpuSeconds, 0);
        return r.counts.windowDelivered > 0 ? (cpu * 1e6) / r.counts.windowDelivered : NaN;
      }),
    ),
    deliveryP50: median(rs.map((r) => r.latency.delivery.p50)),
    deliveryP99: median(rs.map((r) => r.latency.delivery.p99)),
  });
  const p = side(plain);
  const e = side(encrypted);
  return {
    pairs: Math.min(plain.length, encrypted.length),
    plain: p,
    encrypted: {
      ...e,
      encryptMs: median(encrypted.map((r) => r.crypto?.isolated.encryptMs ?? NaN)),
      decryptMs: median(encrypted.map((r) => r.crypto?.isolated.decryptMs ?? NaN)),
    },
    ratio: {
      deliveredPerSec: e.deliveredPerSec / Math.max(1e-9, p.deliveredPerSec),
      nodeCpuMicrosPerDelivery: e.nodeCpuMicrosPerDelivery / Math.max(1e-9, p.nodeCpuMicrosPerDelivery),
    },
  };
}

/** A markdown table (also printed on the console). */
function comparisonMarkdown(c: EncryptedComparison, command: string): string {
  const { plain: p, encrypted: e } = c;
  return [
    `## Encrypted vs plain chats (medians of ${c.pairs} alternating pair(s))`,
    "",
    `Command: \`${command}\``,
    "",
    "| | plain | encrypted (MLS) | encrypted / plain |",
    "| --- | --- | --- | --- |",
    `| delivered/s | ${fmt(p.deliveredPerSec, 0)} | ${fmt(e.deliveredPerSec, 0)} | ${fmt(c.ratio.deliveredPerSec, 2)} |`,
    `| node CPU per delivery (µs) | ${fmt(p.nodeCpuMicrosPerDelivery)} | ${fmt(e.nodeCpuMicrosPerDelivery)} | ${fmt(c.ratio.nodeCpuMicrosPerDelivery, 2)} |`,
    `| delivery p50 / p99 (ms) | ${fmt(p.deliveryP50)} / ${fmt(p.deliveryP99)} | ${fmt(e.deliveryP50)} / ${fmt(e.deliveryP99)} | |`,
    `| client CPU per delivery (µs, the load generator) | ${fmt(p.clientCpuMicrosPerDelivery)} | ${fmt(e.clientCpuMicrosPerDelivery)} | ${fmt(e.clientCpuMicrosPerDelivery / p.clientCpuMicrosPerDelivery, 2)} |`,
    `| client encrypt / decrypt, one at a time (ms) | – | ${fmt(e.encryptMs, 2)} / ${fmt(e.decryptMs, 2)} | |`,
  ].join("\n");
}

/**
 * `--pairs` alternating pairs (plain, then encrypted) through `run` (cli.ts writes each run's
 * report), then the comparison. `ok`: every run lost nothing.
 */
export async function runEncryptedComparison(
  options: BenchOptions,
  run: (o: BenchOptions) => Promise<BenchResult>,
  command: string,
  log: (line: string) => void,
): Promise<{ comparison: EncryptedComparison; markdown: string; ok: boolean }> {
  const runs: Record<"plain" | "encrypted", BenchResult[]> = { plain: [], encrypted: [] };
  let ok = true;
  for (let i = 0; i < options.pairs; i++) {
    for (const encrypted of [false, true]) {
      log(`pair ${i + 1}/${options.pairs}: ${encrypted ? "encrypted" : "plain"} chats`);
      const result = await run({ ...options, encrypted });
      runs[encrypted ? "encrypted" : "plain"].push(result);
      ok &&= result.loss.ok;
    }
  }
  const comparison = compareEncrypted(runs.plain, runs.encrypted);
  return { comparison, markdown: comparisonMarkdown(comparison, command), ok };
}
