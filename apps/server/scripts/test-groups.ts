/**
 * The server suite as mocha groups: the tests that start node processes and clusters (`nodes`, then
 * the cluster tests again on a Redis Cluster: `redis-cluster`) beside everything else (`main`, then
 * the S3 rerun of the attachment suites: `s3`) beside the long-token browser test (`e2e-sessions`: two
 * minutes of mostly waiting), then the other browser tests alone (`e2e`). Each group is its own mocha
 * process with its own PostgreSQL template,
 * private redis-servers and ports (the suite never shares state across processes). Output is
 * streamed line by line with the group's name in front; the exit code is non-zero if any group
 * failed. A failed group's failing files run once more: a pass then is reported as FLAKY (with the
 * first run's failures) and does not fail the run; TEST_RERUN=0 turns that off. The last lines of the
 * output are a summary of every group, where a CI log's tail shows them.
 *
 *   node --import tsx scripts/test-groups.ts            # every default lane (pnpm test, CI)
 *   node --import tsx scripts/test-groups.ts scale      # the Redis Cluster group (pnpm test:scale)
 *   node --import tsx scripts/test-groups.ts browser    # one lane (nodes, server, browser) or group (main, s3, e2e, …)
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

interface Group {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

const MOCHA = [createRequire(import.meta.url).resolve("mocha/bin/mocha.js")];
const REPORTER = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../test/support/failure-reporter.cjs",
);
/** More failing files than this is a breakage, not a flake: no rerun. */
const MAX_RERUN_FILES = 3;
const S3_FILES = [
  "test/attachments/*.test.ts",
  "test/rest/errors.test.ts",
  "test/security/access-control.test.ts",
  "test/security/hostile-input.test.ts",
];

/**
 * The cluster tests again with the nodes on a Redis Cluster (3 masters, 3 replicas; TEST_REDIS=cluster,
 * test/cluster/cluster-fixture.ts), plus the master-failover and stall test that runs only there:
 * every file on the shared 3-node cluster, so each runs on one Redis (group `nodes`) and on a Redis
 * Cluster (here), a new one too. Left out, as they do not use that cluster's Redis: launcher (`pnpm
 * cluster` with its own redis-server) and mute-devices (two in-process nodes on their own
 * redis-server). The seams' own contracts on a Redis Cluster (presence, rate limits, registry, the
 * sharded subscriber across a failover) run in the `nodes` group: test/contract/.
 */
const REDIS_CLUSTER: Group = {
  name: "redis-cluster",
  args: [
    "test/cluster/*.test.ts",
    ...["launcher", "mute-devices"].flatMap((f) => ["--ignore", `test/cluster/${f}.test.ts`]),
  ],
  env: { TEST_REDIS: "cluster" },
};

/**
 * The tests that start node processes, clusters and real monitoring programs (multi-node, faults,
 * ops, monitoring, encryption, the seams' contracts on Redis and a Redis Cluster): the heaviest half.
 */
const NODE_DIRS = ["cluster", "faults", "ops", "monitoring", "encryption", "contract"];

/** The browser test that mostly waits (20-s access tokens renewed over two minutes): it runs beside the server lanes. */
const SESSIONS_E2E = "web-sessions.test.ts";

/** Lanes: the groups of one lane run one after the other. */
const LANES: Record<string, Group[]> = {
  nodes: [{ name: "nodes", args: NODE_DIRS.map((d) => `test/${d}/**/*.test.ts`) }, REDIS_CLUSTER],
  server: [
    {
      name: "main",
      args: [
        "test/**/*.test.ts",
        "--ignore",
        "test/e2e/**",
        ...NODE_DIRS.flatMap((d) => ["--ignore", `test/${d}/**`]),
      ],
    },
    // upload-memory names the filesystem driver itself: the main group runs it.
    {
      name: "s3",
      args: [...S3_FILES, "--ignore", "test/attachments/upload-memory.test.ts"],
      env: { TEST_STORAGE: "s3" },
    },
  ],
  browser: [
    { name: "e2e", args: ["test/e2e/*.test.ts", "--ignore", `test/e2e/${SESSIONS_E2E}`] },
    { name: "e2e-sessions", args: [`test/e2e/${SESSIONS_E2E}`] },
  ],
  /** The Redis Cluster group alone (`pnpm test:scale`); CI runs it in the `nodes` lane. */
  scale: [REDIS_CLUSTER],
};
/**
 * What `pnpm test` runs, phase after phase: the two server lanes side by side (mostly waiting on their
 * servers) and beside them the browser test that mostly waits, then the other browser tests alone. TEST_LANES=serial runs every group one after the other (a
 * timing test, "logout drops the sockets on all three nodes within a second", failed once side by side
 * under other load on this 2-core machine: a failed file runs once more, see runGroup).
 */
const DEFAULT_PHASES = [["nodes", "server", "e2e-sessions"], ["e2e"]];

interface Failure {
  file: string;
  title: string;
  message: string;
}

/** One line per group at the end: passed, flaky (passed on a rerun) or failed, with what failed. */
const summary: string[] = [];

function run(g: Group, args: string[], failuresFile: string): Promise<number> {
  const started = Date.now();
  fs.rmSync(failuresFile, { force: true });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...MOCHA, "--reporter", REPORTER, ...args], {
      env: {
        ...process.env,
        ...g.env,
        FORCE_COLOR: process.env.FORCE_COLOR ?? "0",
        TEST_FAILURES_FILE: failuresFile,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on("line", (l) => console.log(`[${g.name}] ${l}`));
    }
    child.on("close", (code, signal) => {
      const took = Math.round((Date.now() - started) / 1000);
      console.log(`[${g.name}] finished in ${took} s: ${signal ?? `exit ${code}`}`);
      resolve(code ?? 1);
    });
  });
}

/** What the reporter recorded; undefined when the run ended before writing it (a crash). */
function readFailures(file: string): Failure[] | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Failure[];
  } catch {
    return undefined;
  }
}

const listed = (list: Failure[]) => list.map((f) => `\n    ✗ ${f.title}: ${f.message}`).join("");

async function runGroup(g: Group): Promise<number> {
  const failuresFile = path.join(os.tmpdir(), `chat-test-failures-${process.pid}-${g.name}.json`);
  const code = await run(g, g.args, failuresFile);
  if (code === 0) return (summary.push(`${g.name}: passed`), 0);
  const failures = readFailures(failuresFile);
  const files = [...new Set((failures ?? []).map((f) => f.file))];
  const rerun =
    process.env.TEST_RERUN !== "0" &&
    failures !== undefined &&
    failures.length > 0 &&
    files.every(Boolean) &&
    files.length <= MAX_RERUN_FILES;
  if (!rerun) {
    summary.push(`${g.name}: FAILED (exit ${code})${failures ? listed(failures) : " before its end"}`);
    return code;
  }
  console.log(`[${g.name}] ${failures.length} failed in ${files.length} file(s): running them once more`);
  const again = await run({ ...g, name: `${g.name}:rerun` }, files, failuresFile);
  if (again === 0) {
    summary.push(`${g.name}: FLAKY — failed, then passed on a rerun of its file(s):${listed(failures)}`);
    return 0;
  }
  summary.push(`${g.name}: FAILED, also on a rerun:${listed(readFailures(failuresFile) ?? failures)}`);
  return again;
}

async function runLane(groups: Group[]): Promise<number[]> {
  const codes: number[] = [];
  for (const g of groups) codes.push(await runGroup(g));
  return codes;
}

const chosen = process.argv.slice(2);
// A group in two lanes (redis-cluster: `nodes` and `scale`) is one group.
const groups = [...new Set(Object.values(LANES).flat())];
/** A name picks a lane (its groups in order) or a single group. */
const pick = (n: string) => LANES[n] ?? groups.filter((g) => g.name === n);
const phases = chosen.length ? [chosen.map(pick)] : DEFAULT_PHASES.map((ph) => ph.map(pick));
if (phases.flat().some((l) => l.length === 0)) {
  console.error(
    `unknown name; lanes: ${Object.keys(LANES).join(", ")}; groups: ${groups.map((g) => g.name).join(", ")}`,
  );
  process.exit(2);
}
const codes: number[] = [];
for (const lanes of phases) {
  if (process.env.TEST_LANES !== "serial") codes.push(...(await Promise.all(lanes.map(runLane))).flat());
  else codes.push(...(await runLane(lanes.flat())));
}
console.log(`\n── server test groups ──\n${summary.join("\n")}`);
process.exit(codes.every((c) => c === 0) ? 0 : 1);
