/**
 * What the bench runs against: our cluster through the same launcher as `pnpm cluster` and the
 * tests (1 node bare, or N nodes + nginx + a private Redis), or the baseline fan-out server.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchCluster, RATE_LIMITS_OFF, type Cluster } from "@chat/server/launcher/cluster";
import { createBudgets, type BudgetSet, type CpuBudget } from "./cgroup.ts";
import type { BenchOptions } from "./options.ts";
import type { Tracked } from "./proc-stats.ts";

export interface Topology {
  kind: "chat" | "baseline";
  /** Where REST calls go (nginx, or the only node). */
  url: string;
  nginxUrl?: string;
  nodes: Array<{ name: string; url: string; port: number; pid: number }>;
  tracked: Tracked[];
  databaseUrl?: string;
  database: "embedded" | "external" | "none";
  /** `--node-cpu`: each node's cgroup, by node name. */
  budgets?: { cpus: number; byNode: Record<string, CpuBudget>; dir: string };
  /**
   * Full GC in every node (idle runs only), so memory shows live objects; answers the nodes'
   * summed V8 heap used + external memory in kB after it (0 elsewhere).
   */
  collectGarbage(): Promise<number>;
  stop(): Promise<void>;
}

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const GC_PRELOAD = path.join(BENCH_DIR, "src", "gc-on-signal.cjs");

/** The node environment of a bench run: what we measure is messaging, not login or abuse limits. */
const BENCH_NODE_ENV: Record<string, string> = {
  NODE_ENV: "production",
  BCRYPT_COST: "4", // setup creates thousands of users; bcrypt is not what is measured
  ACCESS_TOKEN_EXPIRE_MINUTES: "120",
  ...RATE_LIMITS_OFF,
};

/** Runs that read the nodes' memory after a full GC (the node gets `--expose-gc` and the preload). */
const measuresMemory = (o: BenchOptions) => o.scenario === "idle" || o.scenario === "manychats";

/** Topologies running now (the CLI stops them on Ctrl-C). */
export const live = new Set<Topology>();

export async function startTopology(o: BenchOptions, runId: string, profileDir?: string): Promise<Topology> {
  const t = o.baseline ? await startBaseline() : await startChat(o, runId, profileDir);
  live.add(t);
  const stop = t.stop;
  let stopping: Promise<void> | undefined;
  t.stop = () => (stopping ??= stop().finally(() => live.delete(t)));
  return t;
}

async function startChat(o: BenchOptions, runId: string, profileDir?: string): Promise<Topology> {
  const databaseUrl = o.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const memoryFile = path.join(os.tmpdir(), `chat-bench-memory-${runId}`);
  // Made before any process starts: no cgroups, no run (never an unbudgeted one by surprise).
  const budgets: BudgetSet | undefined =
    o.nodeCpu === undefined
      ? undefined
      : createBudgets(
          `chat-bench-${runId}`,
          Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`),
          o.nodeCpu,
        );
  let cluster: Cluster;
  try {
    cluster = await launchCluster({
      nodes: o.nodes,
      // A budgeted node 1 goes through nginx + Redis too, so step 1 of a scaling curve has N's path.
      bare: o.nodes === 1 && !budgets,
      onNodeSpawn: budgets && ((pid, i) => budgets.budgets[i].add(pid)),
      // Node start-up (tsx compiling, Prisma, migrations on node 1) runs inside the budget.
      nodeStartTimeoutMs: budgets
        ? Math.max(30_000, 30_000 / Math.min(1, budgets.budgets[0].cpus))
        : undefined,
      databaseUrl,
      pgDataDir: o.pgDataDir,
      database: `bench_${runId}`,
      dropDatabaseOnStop: true,
      env: {
        ...BENCH_NODE_ENV,
        CHAT_BENCH_MEMORY_FILE: memoryFile,
        // manychats opens all its sockets for one user
        ...(o.scenario === "manychats" && { MAX_SOCKETS_PER_USER: "0" }),
        ...o.nodeEnv,
      },
      nodeArgs: [
        ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
        ...(measuresMemory(o) ? ["--expose-gc", "--require", GC_PRELOAD] : []),
      ],
    });
  } catch (err) {
    budgets?.remove();
    throw err;
  }
  const tracked: Tracked[] = cluster.nodes.map((n) => ({
    name: n.id,
    kind: "node" as const,
    pid: n.pid,
    withChildren: false,
  }));
  if (cluster.redis?.pid)
    tracked.push({ name: "redis", kind: "redis", pid: cluster.redis.pid, withChildren: false });
  if (cluster.nginx?.pid)
    tracked.push({ name: "nginx", kind: "nginx", pid: cluster.nginx.pid, withChildren: true });
  if (cluster.postgresPid)
    tracked.push({ name: "postgres", kind: "postgres", pid: cluster.postgresPid, withChildren: true });
  return {
    kind: "chat",
    url: cluster.url,
    nginxUrl: cluster.nginx?.url,
    nodes: cluster.nodes.map((n) => ({ name: n.id, url: n.url, port: n.port, pid: n.pid })),
    tracked,
    databaseUrl: cluster.databaseUrl,
    database: databaseUrl ? "external" : "embedded",
    budgets: budgets && {
      cpus: o.nodeCpu!,
      dir: budgets.dir,
      byNode: Object.fromEntries(cluster.nodes.map((n, i) => [n.id, budgets.budgets[i]])),
    },
    collectGarbage: async () => {
      if (!measuresMemory(o)) return 0;
      // Twice: the second pass frees what the first one's finalizers released.
      for (let pass = 0; pass < 2; pass++) {
        for (const n of cluster.nodes) process.kill(n.pid, "SIGUSR2");
        await new Promise((r) => setTimeout(r, 750));
      }
      let kB = 0;
      for (const n of cluster.nodes) {
        const file = `${memoryFile}.${n.pid}`;
        const m = JSON.parse(fs.readFileSync(file, "utf8")) as { heapUsed: number; external: number };
        fs.rmSync(file, { force: true });
        kB += (m.heapUsed + m.external) / 1024;
      }
      return kB;
    },
    stop: async () => {
      await cluster.stop();
      try {
        budgets?.remove();
      } catch (err) {
        console.error(`could not remove the cgroups in ${budgets!.dir}: ${(err as Error).message}`);
      }
    },
  };
}

async function startBaseline(): Promise<Topology> {
  const proc = spawn(process.execPath, ["--import", "tsx", "src/baseline-server.ts"], {
    cwd: BENCH_DIR,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit", "ipc"], // the channel closes with the bench: it stops then
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("baseline server did not start")), 30_000);
    proc.stdout!.on("data", (c: Buffer) => {
      buf += c.toString();
      const m = /"port":(\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then(() => reject(new Error("baseline server exited before listening")));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    kind: "baseline",
    url,
    nodes: [{ name: "baseline", url, port, pid: proc.pid! }],
    tracked: [{ name: "baseline", kind: "baseline", pid: proc.pid!, withChildren: false }],
    database: "none",
    collectGarbage: async () => 0,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** Established TCP connections per local port (the nodes' side of every socket), from /proc/net/tcp. */
export function connectionsPerPort(ports: number[]): Record<number, number> {
  const out: Record<number, number> = Object.fromEntries(ports.map((p) => [p, 0]));
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== "01") continue; // 01 = ESTABLISHED
      const port = parseInt(f[1].split(":")[1], 16);
      if (port in out) out[port]++;
    }
  }
  return out;
}
