/** `pnpm bench manychats`: starts the node, runs manychats.ts, writes result.json and report.md, exits. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runManyChats, manyChatsMarkdown } from "./manychats.ts";
import type { BenchOptions } from "./options.ts";
import { machineCpu, round, ProcSampler } from "./proc-stats.ts";
import { begin } from "./start.ts";
import { live, startTopology } from "./topology.ts";

export async function runManyChatsCli(o: BenchOptions, argv: string[]): Promise<never> {
  const log = (line: string) => console.error(line);
  const outDir = o.outDir
    ? path.resolve(process.env.INIT_CWD ?? process.cwd(), o.outDir)
    : path.resolve(import.meta.dirname, "../../../bench-results");
  try {
    const start = begin({ ...o, chatSize: 1 }, log);
    const topology = await startTopology(o, start.runId);
    const sampler = new ProcSampler(topology.tracked);
    const cpu0 = machineCpu();
    const t0 = performance.now();
    let result;
    try {
      sampler.begin();
      result = await runManyChats(o, start.runId, topology, sampler, log);
    } finally {
      await topology.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    const busy = round((machineCpu().busy - cpu0.busy) / seconds, 2);
    const machine =
      `${os.cpus().length} CPUs, load average ${start.loadavgBefore.map((x) => x.toFixed(2)).join(" ")} before, ` +
      `${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")} after; ${busy} cores busy on average during the run ` +
      `(other helpers' work included), ${topology.database} PostgreSQL.`;
    const md = manyChatsMarkdown(result, ["pnpm bench", ...argv].join(" "), machine);
    const dir = path.join(
      outDir,
      `${start.startedAt
        .toISOString()
        .replace(/:/g, "-")
        .replace(/\.\d+Z$/, "Z")}-manychats-${o.chats}c`,
    );
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "result.json"),
      JSON.stringify({ options: o, machine, ...result }, null, 2),
    );
    fs.writeFileSync(path.join(dir, "report.md"), `${md}\n`);
    console.log(
      `${md}\n\n  report: ${path.relative(process.env.INIT_CWD ?? process.cwd(), path.join(dir, "report.md"))}`,
    );
    process.exit(result.bounds.listChatsOk && result.bounds.syncOk ? 0 : 1);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    await Promise.allSettled([...live].map((t) => t.stop()));
    process.exit(1);
  }
}
