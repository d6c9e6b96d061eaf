/**
 * The server suite as groups run side by side, so the whole stays well under its time budget: the
 * browser tests (mostly waiting on timers: a 2-minute token-renewal run), then the S3 rerun of the
 * attachment suites, beside everything else (about 8 minutes against 4 + 1.5 on a busy machine). Each group is its
 * own mocha process with its own PostgreSQL template, private redis-servers and ports (the suite
 * never shares state across processes). Output is streamed line by line with the group's name in
 * front; the exit code is non-zero if any group failed.
 *
 *   node --import tsx scripts/test-groups.ts            # the main and browser lanes (pnpm test, CI)
 *   node --import tsx scripts/test-groups.ts scale      # the Redis Cluster group (pnpm test:scale)
 *   node --import tsx scripts/test-groups.ts browser    # one lane, or one group (e2e, s3), by name
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import readline from "node:readline";

interface Group {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

const MOCHA = [createRequire(import.meta.url).resolve("mocha/bin/mocha.js")];
const S3_FILES = [
  "test/attachments/*.test.ts",
  "test/rest/errors.test.ts",
  "test/security/access-control.test.ts",
  "test/security/hostile-input.test.ts",
];

/**
 * The multi-node tests that exercise Redis, again with the nodes on a Redis Cluster (3 masters, 3
 * replicas; TEST_REDIS=cluster, test/cluster/cluster-fixture.ts), plus the master-failover and stall
 * test that runs only there: cross-node fan-out and its order, receipts, idempotent send across nodes,
 * membership changes, typing and presence, last seen, a node SIGKILLed. 70–190 s here, with the
 * machine's load (every file of test/cluster: 164 s in one run). Left out, as their Redis use is the fan-out already covered or
 * none: edit-delete, reactions and encrypted-chats (other events over the same fan-out; the MLS one
 * also spawns a node and costs most), hostile-input and session-expiry (edge checks and a token
 * timer), launcher (`pnpm cluster`'s own single redis-server), nginx-tls and nginx-transport (nginx).
 * The seams' own contracts on a Redis Cluster (presence, rate limits, registry) run in the main group:
 * test/contract/redis-cluster.test.ts.
 */
const REDIS_CLUSTER_FILES = [
  "fully-read-receipts",
  "idempotent-send",
  "last-seen",
  "live-order",
  "membership-changes",
  "multi-device-fanout",
  "node-failover",
  "redis-cluster-failover",
  "typing-presence",
].map((f) => `test/cluster/${f}.test.ts`);

/** With TEST_LANES=parallel, lanes run at once; the groups of one lane run one after the other. */
const LANES: Record<string, Group[]> = {
  main: [{ name: "main", args: ["test/**/*.test.ts", "--ignore", "test/e2e/**"] }],
  browser: [
    { name: "e2e", args: ["test/e2e/*.test.ts"] },
    // upload-memory names the filesystem driver itself: the main group runs it.
    {
      name: "s3",
      args: [...S3_FILES, "--ignore", "test/attachments/upload-memory.test.ts"],
      env: { TEST_STORAGE: "s3" },
    },
  ],
  /**
   * Only when named (`pnpm test:scale`), not in `pnpm test` / CI yet: after a whole-cluster stall a
   * killed master's sharded subscribers were seen not to move to the promoted replica (3 of 5 runs
   * with cluster-node-timeout 2000; 5000 since, too few runs to call it fixed) — issue 20.
   */
  scale: [{ name: "redis-cluster", args: REDIS_CLUSTER_FILES, env: { TEST_REDIS: "cluster" } }],
};
/** The lanes `pnpm test` runs (every lane but those run only when named). */
const DEFAULT_LANES = ["main", "browser"];

function run(g: Group): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...MOCHA, ...g.args], {
      env: { ...process.env, ...g.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
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

async function runLane(groups: Group[]): Promise<number[]> {
  const codes: number[] = [];
  for (const g of groups) codes.push(await run(g));
  return codes;
}

const chosen = process.argv.slice(2);
const groups = Object.values(LANES).flat();
/** A name picks a lane (its groups in order) or a single group. */
const pick = (n: string) => LANES[n] ?? groups.filter((g) => g.name === n);
const lanes = chosen.length ? chosen.map(pick) : DEFAULT_LANES.map(pick);
if (lanes.some((l) => l.length === 0)) {
  console.error(
    `unknown name; lanes: ${Object.keys(LANES).join(", ")}; groups: ${groups.map((g) => g.name).join(", ")}`,
  );
  process.exit(2);
}
// Side by side only when asked: on 2 cores the browser tests' timing (Web Locks across five tabs,
// a typing line) flaked beside the main group; one after the other the suite takes ~15 min here.
const codes =
  process.env.TEST_LANES === "parallel"
    ? (await Promise.all(lanes.map(runLane))).flat()
    : (await runLane(lanes.flat())).flat();
process.exit(codes.every((c) => c === 0) ? 0 : 1);
