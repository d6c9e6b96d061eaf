/** `pnpm bench storm [options]`: runs the reconnect storm (storm.ts), prints its report, writes result.json and report.md, exits. */
import fs from "node:fs";
import path from "node:path";
import type { ProcessFigures } from "./proc-stats.ts";
import { parseStormOptions, runStorm, STORM_USAGE, type StormOptions, type StormResult } from "./storm.ts";
import { live } from "./topology.ts";

export async function runStormCli(
  argv: string[],
  outDir: string,
  log: (line: string) => void,
  stamp: string,
): Promise<never> {
  let o: StormOptions;
  try {
    o = parseStormOptions(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${STORM_USAGE}`);
    process.exit(2);
  }
  const out = o.outDir ? path.resolve(process.env.INIT_CWD ?? process.cwd(), o.outDir) : outDir;
  try {
    const r = await runStorm({ ...o, databaseUrl: process.env.DATABASE_URL || undefined }, log);
    const dir = path.join(out, `${stamp}-storm-${r.devices}d`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "result.json"), JSON.stringify(r, null, 2));
    const md = stormMarkdown(r, ["pnpm bench storm", ...argv].join(" "));
    fs.writeFileSync(path.join(dir, "report.md"), md);
    console.log(md);
    console.log(
      `  report: ${path.relative(process.env.INIT_CWD ?? process.cwd(), path.join(dir, "report.md"))}`,
    );
    process.exit(r.loss.ok && r.recovery.notRecovered === 0 ? 0 : 1);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    await Promise.allSettled([...live].map((t) => t.stop()));
    process.exit(1);
  }
}

const s = (ms: number) => (ms / 1000).toFixed(2);

export function stormMarkdown(r: StormResult, command: string): string {
  const row = (p: ProcessFigures) =>
    `| ${p.name} | ${p.cpuSeconds} | ${p.cpuPercent} | ${p.peakRssMB} | ${p.rssMB} |`;
  return [
    `# pnpm bench storm — ${r.startedAt}`,
    "",
    `\`${command}\`: ${r.devices} devices (${r.users} users, ${r.options.devicesPerUser} per user, chats of ${r.options.chatSize}) on node-1 of 3, ${r.options.rate} messages/s throughout; node-1 SIGKILLed after ${r.options.before} s.`,
    "",
    "| kill → | p50 (s) | p99 (s) | max (s) |",
    "| ------ | ------- | ------- | ------- |",
    `| connection closed (seen by the device) | ${s(r.noticed.p50)} | ${s(r.noticed.p99)} | ${s(r.noticed.max)} |`,
    `| first reconnection attempt | ${s(r.firstAttempt.p50)} | ${s(r.firstAttempt.p99)} | ${s(r.firstAttempt.max)} |`,
    `| connected to a survivor | ${s(r.reconnect.p50)} | ${s(r.reconnect.p99)} | ${s(r.reconnect.max)} |`,
    `| connected and caught up by sync | ${s(r.recovery.p50)} | ${s(r.recovery.p99)} | ${s(r.recovery.max)} |`,
    "",
    `Recovered: ${r.recovery.recovered}/${r.devices} (landed on: ${Object.entries(r.landedOn)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}).`,
    `Failed handshakes per device before it got in: p50 ${r.failedAttempts.p50}, p99 ${r.failedAttempts.p99}, max ${r.failedAttempts.max} (${
      Object.entries(r.failedAttempts.why)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none"
    }).`,
    `Handshakes shed (\`unavailable\`, retry_after_ms): ${r.shed.seenByDevices} seen by the devices, ${r.shed.countedBySurvivors ?? "?"} counted by the survivors (which admitted ${r.shed.admittedBySurvivors ?? "?"}).`,
    `Sends: ${r.sends.acked} acked (${r.sends.ackedAfterKill} after the kill), ${r.sends.unacked} given up unacked. Lost: ${r.loss.lost}, doubled: ${r.loss.doubled} — ${r.loss.ok ? "0 lost" : "LOSS"}.`,
    "",
    `During the storm (${r.storm.seconds} s, from the kill until every device recovered):`,
    "",
    "| process | CPU s | CPU % of one core | peak RSS (MB) | RSS at the end (MB) |",
    "| ------- | ----- | ----------------- | ------------- | ------------------- |",
    ...r.storm.processes.map(row),
    "",
    `Machine: ${r.machine.cpus} cores, ${r.machine.busyCores} busy on average during the storm; load average ${r.machine.loadavgBefore.join(" ")} before, ${r.machine.loadavgAfter.join(" ")} after.`,
    "",
  ].join("\n");
}
