/**
 * `pnpm bench [scenario] [options]` (see options.ts USAGE): runs, shows progress on stderr, prints
 * a summary, and writes bench-results/<time>-…/ with result.json, report.md and SVG plots.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { takeOverSignals } from "@chat/server/launcher/cluster";
import { exitWithLauncher } from "@chat/server/launcher/exit-with-launcher";
import { runEncryptedComparison } from "./encrypted-compare.ts";
import { parseOptions, USAGE, type BenchOptions } from "./options.ts";
import type { BenchResult } from "./result.ts";
import { runBench } from "./run.ts";
import { plots } from "./plots.ts";
import { profileMarkdown, summarizeProfile } from "./profile.ts";
import { consoleSummary, ms, reportMarkdown } from "./report.ts";
import { checkTargets, findReference, type References } from "./targets.ts";
import { live } from "./topology.ts";
import { runStormCli } from "./storm-cli.ts";
import { STORM_USAGE } from "./storm.ts";
import { runUploadCli } from "./upload-cli.ts";
import { runManyChatsCli } from "./manychats-cli.ts";
import { createBudgets } from "./cgroup.ts";
import { runScaling, writeScaling } from "./scaling.ts";
import { UPLOAD_USAGE } from "./upload.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const args = process.argv.slice(2);
const argv = args[0] === "--" ? args.slice(1) : args;
/** `pnpm bench upload …`: the attachments bench (upload-cli.ts), with its own options. */
const uploadMode = argv[0] === "upload";
/** `pnpm bench storm …`: the reconnect storm (storm-cli.ts), with its own options. */
const stormMode = argv[0] === "storm";
let options: BenchOptions;
try {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(uploadMode ? UPLOAD_USAGE : stormMode ? STORM_USAGE : USAGE);
    process.exit(0);
  }
  options = parseOptions(uploadMode || stormMode ? [] : argv);
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const outDir = options.outDir
  ? path.resolve(process.env.INIT_CWD ?? process.cwd(), options.outDir)
  : path.join(ROOT, "bench-results");

// Ctrl-C: stop the nodes, Redis, nginx and the database we started, then leave. The same when the
// npx/pnpm processes that started the bench go away (they do not pass SIGTERM on).
let stopping = false;
const stopAll = (why: string) => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${why}: stopping everything the bench started…`);
  void Promise.allSettled([...live].map((t) => t.stop())).then(() => process.exit(130));
};
takeOverSignals(stopAll);
exitWithLauncher(stopAll);

const log = (line: string) => console.error(line);
const stamp = () =>
  new Date()
    .toISOString()
    .replace(/:/g, "-")
    .replace(/\.\d+Z$/, "Z");

function folderFor(o: BenchOptions): string {
  const name = `${stamp()}-${o.scenario}-${o.users}u-${o.baseline ? "baseline" : `${o.nodes}n`}${o.nodeCpu !== undefined ? `-cpu${o.nodeCpu}` : ""}${o.encrypted ? "-mls" : ""}`;
  return path.join(outDir, name);
}

async function runAndWrite(o: BenchOptions, refs: (r: BenchResult) => References) {
  const dir = folderFor(o);
  const profileDir = o.cpuProf && !o.baseline ? path.join(dir, "profiles") : undefined;
  const result = await runBench(o, log, profileDir);
  const targets = checkTargets(result, refs(result));
  let extra = "";
  if (profileDir && fs.existsSync(profileDir)) {
    const files = fs.readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
    // The node's main thread only (tsx's loader thread writes a second, idle profile).
    const summaries = files
      .map((f) => summarizeProfile(path.join(profileDir, f), result.windowMonotonicUs))
      .filter((s) => (s.packages.find((p) => p.name === "(idle)")?.percent ?? 0) < 90);
    extra = [
      "## CPU profiles (`node --cpu-prof`, samples inside the measured window)",
      "",
      ...summaries.map(profileMarkdown),
    ].join("\n");
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "result.json"), JSON.stringify({ ...result, targets }, null, 2));
  fs.writeFileSync(path.join(dir, "report.md"), reportMarkdown(result, targets, extra));
  for (const [name, svg] of Object.entries(plots(result))) fs.writeFileSync(path.join(dir, name), svg);
  console.log(consoleSummary(result, targets, process.stdout.isTTY === true));
  console.log(
    `  report: ${path.relative(process.env.INIT_CWD ?? process.cwd(), path.join(dir, "report.md"))}`,
  );
  return { result, dir };
}

if (uploadMode) await runUploadCli(argv.slice(1), outDir, log, stamp());
if (stormMode) await runStormCli(argv.slice(1), outDir, log, stamp());

if (options.nodeCpu !== undefined) {
  // Fail before anything starts when the budgets cannot be made: never an unbudgeted run instead.
  try {
    createBudgets(`chat-bench-probe-${process.pid}`, ["probe"], options.nodeCpu).remove();
  } catch (err) {
    console.error(`--node-cpu: ${(err as Error).message}`);
    process.exit(2);
  }
}

if (options.nodeSteps) {
  try {
    const startedAt = new Date().toISOString();
    const run = await runScaling(
      options,
      async (o) => {
        const { result } = await runAndWrite(o, () => ({}));
        console.log("");
        return result;
      },
      log,
      ["pnpm bench", ...argv].join(" "),
    );
    const files = writeScaling(run, outDir, stamp(), startedAt);
    const rel = (f: string) => path.relative(process.env.INIT_CWD ?? process.cwd(), f);
    for (const s of run.steps)
      console.log(
        `${s.nodes} node(s): ${Math.round(s.deliveredPerSec)} delivered/s, efficiency ${Number.isFinite(s.efficiency) ? s.efficiency.toFixed(2) : "– (no 1-node step)"}` +
          (s.verdict ? ` — ${s.verdict}` : ""),
      );
    console.log(`  scaling report: ${rel(files.md)}\n  plot: ${rel(files.svg)}`);
    process.exit(run.steps.every((s) => s.lossOk) ? 0 : 1);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    await Promise.allSettled([...live].map((t) => t.stop()));
    process.exit(1);
  }
}

if (options.scenario === "manychats") await runManyChatsCli(options, argv);

if (options.encrypted) {
  try {
    const { markdown: md, ok } = await runEncryptedComparison(
      options,
      async (o) => {
        const { result } = await runAndWrite(o, () => ({}));
        console.log("");
        return result;
      },
      ["pnpm bench", ...argv].join(" "),
      log,
    );
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${stamp()}-encrypted-vs-plain.md`);
    fs.writeFileSync(file, `${md}\n`);
    console.log(`${md}\n  written: ${path.relative(process.env.INIT_CWD ?? process.cwd(), file)}`);
    process.exit(ok ? 0 : 1);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    await Promise.allSettled([...live].map((t) => t.stop()));
    process.exit(1);
  }
}

try {
  let baseline: { result: BenchResult; dir: string } | undefined;
  if (options.baseline) {
    baseline = await runAndWrite(options, () => ({}));
    console.log("");
  }
  const ours = await runAndWrite({ ...options, baseline: false }, (r) => ({
    oneNode:
      r.topology.nodes > 1
        ? findReference(outDir, r, (x) => x.topology.kind === "chat" && x.topology.nodes === 1)
        : undefined,
    baseline: baseline ?? findReference(outDir, r, (x) => x.topology.kind === "baseline"),
  }));
  if (baseline) {
    const ratio = ours.result.deliveredPerSec / Math.max(1, baseline.result.deliveredPerSec);
    console.log(
      `\nours / baseline delivered/s: ${Math.round(ours.result.deliveredPerSec)} / ${Math.round(baseline.result.deliveredPerSec)} = ${(100 * ratio).toFixed(0)} %` +
        ` (delivery p99 ${ms(ours.result.latency.delivery.p99)} ms vs ${ms(baseline.result.latency.delivery.p99)} ms)`,
    );
  }
  process.exit(ours.result.loss.ok && (!baseline || baseline.result.loss.ok) ? 0 : 1);
} catch (err) {
  console.error(`bench failed: ${(err as Error).stack ?? err}`);
  await Promise.allSettled([...live].map((t) => t.stop()));
  process.exit(1);
}
