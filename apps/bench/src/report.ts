/** report.md and the console summary of a run. */
import type { RecordedOptions } from "./options.ts";
import type { BenchResult } from "./result.ts";
import type { TargetCheck } from "./targets.ts";
import type { LatencySummary } from "./latency.ts";

const n = (v: number) => Math.round(v).toLocaleString("en-US");
/** Milliseconds to 3 significant digits (0.412, 4.12, 41.2, 412). */
export const ms = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3))));
const lat = (l: LatencySummary) => [l.p50, l.p90, l.p99, l.p999, l.max].map(ms).join(" / ");

/** The command that reproduces a run. */
function commandOf(o: RecordedOptions): string {
  const parts = ["pnpm bench", o.scenario, `--users ${o.users}`];
  if (o.chatSize !== 4) parts.push(`--chat-size ${o.chatSize}`);
  if (o.senders > 0) parts.push(`--senders ${o.senders}`);
  if (o.nodes !== 1) parts.push(`--nodes ${o.nodes}`);
  if (o.nodeCpu !== undefined) parts.push(`--node-cpu ${o.nodeCpu}`);
  parts.push(`--seconds ${o.seconds}`);
  if (o.warmup !== 2) parts.push(`--warmup ${o.warmup}`);
  if (o.rates.length > 0) parts.push(`--rate ${o.rates.join(",")}`);
  if (o.messageSize !== 64) parts.push(`--message-size ${o.messageSize}`);
  if (o.devices !== 1) parts.push(`--devices ${o.devices}`);
  if (o.nodes > 1 && o.via !== "nginx") parts.push(`--via ${o.via}`);
  if (o.baseline) parts.push("--baseline");
  if (o.cpuProf) parts.push("--cpu-prof");
  if (o.encrypted) parts.push("--encrypted");
  for (const [k, v] of Object.entries(o.nodeEnv)) parts.push(`--env ${k}=${v}`);
  return parts.join(" ");
}

function lossLine(r: BenchResult): string {
  const l = r.loss;
  if (l.ok)
    return (
      "ZERO LOSS: every acked message reached every other device exactly once" +
      (l.storedButUnacked === null ? "" : " and is in the database")
    );
  const parts = [
    l.lost && `${n(l.lost)} deliveries lost (${n(l.lostMessages)} messages)`,
    l.doubled && `${n(l.doubled)} doubled`,
    l.deliveredButUnacked && `${n(l.deliveredButUnacked)} delivered but not acked`,
    l.storedButUnacked && `${n(l.storedButUnacked)} stored but not acked`,
    l.ackedNotStored && `${n(l.ackedNotStored)} acked but not stored`,
    l.seqGaps && `${l.seqGaps} chats with seq gaps`,
    l.unanswered && `${n(l.unanswered)} sends never answered`,
    l.disconnects && `${l.disconnects} connections dropped`,
    l.unexpected && `${l.unexpected} unexpected deliveries`,
    l.fullyReadMissing && `${n(l.fullyReadMissing)} fully-read notices missing`,
    l.fullyReadDoubled && `${n(l.fullyReadDoubled)} fully-read notices doubled`,
  ].filter(Boolean);
  return `LOSS: ${parts.join(", ")}`;
}

function title(r: BenchResult): string {
  const where =
    r.topology.kind === "baseline"
      ? "baseline fan-out server"
      : !r.topology.nginx
        ? "1 node"
        : `${r.topology.nodes} node${r.topology.nodes === 1 ? "" : "s"} + nginx + Redis${r.budget ? `, ${r.budget.cpusPerNode} CPU per node` : ""}`;
  return `${r.options.scenario}: ${n(r.options.users)} users × ${r.options.devices} device(s), ${r.options.encrypted ? "encrypted (MLS) " : ""}chats of ${r.options.chatSize}, ${where}`;
}

/** A few lines for the terminal. */
export function consoleSummary(r: BenchResult, targets: TargetCheck[], color: boolean): string {
  const red = (s: string) => (color ? `\x1b[1;31m${s}\x1b[0m` : s);
  const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const lines = [
    r.loss.ok ? green(lossLine(r)) : red(lossLine(r)),
    title(r),
    `  sent ${n(r.sentPerSec)}/s, delivered ${n(r.deliveredPerSec)}/s over ${r.seconds} s` +
      (r.fanOut === null ? "" : ` (fan-out ${r.fanOut} deliveries per acked message)`),
    `  ack ms p50/p90/p99/p99.9/max:      ${lat(r.latency.ack)}`,
    `  delivery ms p50/p90/p99/p99.9/max: ${lat(r.latency.delivery)}`,
  ];
  if (r.nodeCpuMicrosPerDelivery !== null)
    lines.push(`  node CPU per delivery: ${r.nodeCpuMicrosPerDelivery} µs (= ms per 1,000 deliveries)`);
  if (r.crypto)
    lines.push(
      `  client ts-mls: encrypt ${ms(r.crypto.isolated.encryptMs)} ms, decrypt ${ms(r.crypto.isolated.decryptMs)} ms one at a time; under load (wall, queueing included) p50 ${ms(r.crypto.encrypt.p50)} / ${ms(r.crypto.decrypt.p50)} ms`,
    );
  if (r.idle)
    lines.push(
      `  idle: ${n(r.idle.connections)} connections, ${r.idle.rssPerConnectionKB} KB RSS (${r.idle.heapPerConnectionKB} KB live heap) each`,
    );
  for (const s of r.steps ?? [])
    lines.push(
      `  step ${n(s.rate)}/s offered: sent ${n(s.sentPerSec)}/s, delivered ${n(s.deliveredPerSec)}/s, delivery p99 ${ms(s.delivery.p99)} ms${s.shed ? `, shed ${n(s.shed)}` : ""}`,
    );
  lines.push(
    "  CPU s / peak RSS MB: " + r.processes.map((p) => `${p.name} ${p.cpuSeconds}/${p.peakRssMB}`).join(", "),
    `  machine: ${r.machine.busyCores} cores busy, of which other work ${r.machine.otherCores}; load avg ${r.machine.loadavgBefore[0]} → ${r.machine.loadavgAfter[0]}`,
  );
  for (const t of targets) {
    const mark = t.met ? green("met   ") : red("missed");
    lines.push(
      `  target ${mark} ${t.name}: ${t.measured} (target ${t.target})${t.miss ? ` — ${t.miss}` : ""}`,
    );
  }
  return lines.join("\n");
}

export function reportMarkdown(r: BenchResult, targets: TargetCheck[], extra = ""): string {
  const l = r.loss;
  const row = (k: string, v: string | number | null | undefined) => `| ${k} | ${v ?? "n/a"} |`;
  const out = [
    `# Bench: ${title(r)}`,
    "",
    l.ok ? `**${lossLine(r)}.**` : `**⚠ ${lossLine(r)}**`,
    "",
    `Run ${r.startedAt}${r.label ? ` — ${r.label}` : ""}. Command: \`${commandOf(r.options)}\``,
    "",
    "| figure | value |",
    "| --- | --- |",
    row("measured window", `${r.seconds} s (after ${r.options.warmup} s warm-up)`),
    row("acked sends/s", n(r.sentPerSec)),
    row("deliveries/s", n(r.deliveredPerSec)),
    row("fan-out (deliveries per acked message, in the window)", r.fanOut),
    row("ack latency ms p50 / p90 / p99 / p99.9 / max", lat(r.latency.ack)),
    row("delivery latency ms p50 / p90 / p99 / p99.9 / max", lat(r.latency.delivery)),
    row(
      "node CPU per delivery",
      r.nodeCpuMicrosPerDelivery === null ? null : `${r.nodeCpuMicrosPerDelivery} µs`,
    ),
    ...(r.crypto
      ? [
          row(
            "client encrypt / decrypt ms, one at a time (quiet)",
            `${ms(r.crypto.isolated.encryptMs)} / ${ms(r.crypto.isolated.decryptMs)}`,
          ),
          row("client encrypt ms under load (wall) p50 / p90 / p99 / p99.9 / max", lat(r.crypto.encrypt)),
          row("client decrypt ms under load (wall) p50 / p90 / p99 / p99.9 / max", lat(r.crypto.decrypt)),
          row("client ts-mls wall ms per delivery", ms(r.crypto.perDeliveryMs)),
        ]
      : []),
    row(
      "connections (per node)",
      `${n(r.connections.total)} (${Object.entries(r.connections.perNode)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ")})`,
    ),
    row(
      "sends / acked OK / DB rows",
      `${n(r.counts.sent)} / ${n(r.counts.acked)} / ${r.counts.dbRows === null ? "no database" : n(r.counts.dbRows)}`,
    ),
    row("ack errors", Object.keys(r.counts.ackErrors).length ? JSON.stringify(r.counts.ackErrors) : "none"),
    row(
      "setup",
      `${n(r.setup.users)} users, ${n(r.setup.chats)} chats in ${r.setup.seconds} s; ${n(r.setup.devices)} connections in ${r.setup.connectSeconds} s`,
    ),
    "",
  ];
  if (r.idle) {
    out.push(
      "## Idle connections",
      "",
      `${n(r.idle.connections)} connections: node private RSS (RssAnon) ${r.idle.nodeRssHalfMB} MB with half of them → ${r.idle.nodeRssAllMB} MB with all (each after a full GC), **${r.idle.rssPerConnectionKB} KB per connection**; live V8 heap + external memory ${r.idle.heapPerConnectionKB} KB per connection.`,
      "",
    );
  }
  if (r.budget) {
    out.push(
      `## Node CPU budgets (${r.budget.cpusPerNode} CPU each, one cgroup per node)`,
      "",
      "| node | CPU s | used of budget | periods throttled | throttled s |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...r.budget.nodes.map(
        (b) =>
          `| ${b.name} | ${b.cpuSeconds} | ${b.usedPercent} % | ${b.throttledPeriodsPercent} % | ${b.throttledSeconds} |`,
      ),
      "",
    );
  }
  if (r.steps) {
    out.push(
      "## Open-loop steps",
      "",
      "| offered/s | acked/s | delivered/s | shed | ack p50 / p99 ms | delivery p50 / p99 / max ms |",
      "| ---: | ---: | ---: | ---: | --- | --- |",
      ...r.steps.map(
        (s) =>
          `| ${n(s.rate)} | ${n(s.sentPerSec)} | ${n(s.deliveredPerSec)} | ${n(s.shed)} | ${ms(s.ack.p50)} / ${ms(s.ack.p99)} | ${ms(s.delivery.p50)} / ${ms(s.delivery.p99)} / ${ms(s.delivery.max)} |`,
      ),
      "",
    );
  }
  if (r.read) {
    out.push(
      "## Reads",
      "",
      `${n(r.read.readsSent)} reads sent (${n(r.read.readsAcked)} acked), ${n(r.read.receiptsReceived)} receipt:read events received, ${n(r.read.fullyReadNotices)} message ids in receipt:fully_read notices.`,
      "",
    );
  }
  if (targets.length > 0) {
    out.push(
      "## Targets",
      "",
      "| target | measured | wanted | met | by how much |",
      "| --- | --- | --- | --- | --- |",
      ...targets.map(
        (t) => `| ${t.name} | ${t.measured} | ${t.target} | ${t.met ? "yes" : "**no**"} | ${t.miss ?? ""} |`,
      ),
      "",
    );
  }
  out.push(
    "## Loss accounting",
    "",
    "| check | count |",
    "| --- | ---: |",
    row("deliveries lost (acked, never arrived at a device)", l.lost),
    row("messages with a lost delivery", l.lostMessages),
    row("deliveries doubled", l.doubled),
    row("deliveries out of order (seq below one already seen)", l.outOfOrder),
    row("delivered but never acked", l.deliveredButUnacked),
    row("stored but not acked", l.storedButUnacked),
    row("acked but not stored", l.ackedNotStored),
    row("chats with seq gaps in the database", l.seqGaps),
    row("sends never answered", l.unanswered),
    row("connections dropped", l.disconnects),
    row("unexpected deliveries", l.unexpected),
    ...(l.fullyReadMissing === null
      ? []
      : [
          row("fully-read notices missing", l.fullyReadMissing),
          row("fully-read notices doubled", l.fullyReadDoubled),
        ]),
    "",
    "## Processes (measured window)",
    "",
    "| process | pid | CPU s | % of a core | peak RSS MB |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...r.processes.map(
      (p) => `| ${p.name} | ${p.pid} | ${p.cpuSeconds} | ${p.cpuPercent} | ${p.peakRssMB} |`,
    ),
    "",
    `Machine: ${r.machine.cpus} cores, Node ${r.machine.node}; ${r.machine.busyCores} cores busy on average in the window, ${r.machine.otherCores} of them by processes outside this run; load average ${r.machine.loadavgBefore.join(" ")} before, ${r.machine.loadavgAfter.join(" ")} after.`,
    "",
    "## Plots",
    "",
    "![latency over time](latency-over-time.svg)",
    "",
    "![throughput over time](throughput-over-time.svg)",
    "",
    "![latency CDF](latency-cdf.svg)",
    "",
  );
  if (extra) out.push(extra);
  return out.join("\n");
}
