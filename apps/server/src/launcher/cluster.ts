/**
 * The deployed topology from real processes on one machine: N nodes (child processes running
 * src/main.ts, as `pnpm start` does), a private redis-server (or, with `redisCluster`, a private
 * Redis Cluster of 3 masters and 3 replicas: redis-cluster-process.ts), nginx with the project's own nginx.conf
 * rendered for the ports, on PostgreSQL from DATABASE_URL or an embedded server. `pnpm cluster`,
 * the multi-node tests and the bench all start it through here.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import {
  dropDatabase,
  ensureDatabase,
  isAlive,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from "../store/embedded-postgres.ts";
import { spawnNode, type NodeProcess } from "./node-process.ts";
import { startRedis, type RedisProcess } from "./redis-process.ts";
import { startRedisCluster, type RedisClusterProcess } from "./redis-cluster-process.ts";
import { startNginx, type NginxProcess } from "./nginx-process.ts";
import type { TlsFiles } from "./dev-cert.ts";
import { ROOT_DIR } from "./paths.ts";

export { RATE_LIMITS_OFF } from "../security/limits.ts";

export interface ClusterOptions {
  /** How many nodes. */
  nodes: number;
  /** PostgreSQL URL whose database the nodes use as is. Unset: an embedded server (see `pgDataDir`). */
  databaseUrl?: string;
  /** nginx's port. @default a free port */
  nginxPort?: number;
  /**
   * nginx serves HTTPS with this certificate (e.g. `ensureDevCertificate`'s) on `port`, and its plain
   * port redirects there. @default plain HTTP only
   */
  tls?: TlsFiles & { port?: number };
  /** Extra environment for every node, applied over the launcher's own (LOG_LEVEL must stay ≤ info). */
  env?: Record<string, string>;
  /** Node.js flags per node (e.g. `--cpu-prof`); a function gets the node's index. */
  nodeArgs?: string[] | ((index: number) => string[]);
  /**
   * Called with each node's pid right after it is spawned, before it runs (the bench puts it into a
   * CPU-budget cgroup there); throwing fails the launch.
   */
  onNodeSpawn?: (pid: number, index: number) => void;
  /** How long a node may take to start listening (a node under a small CPU budget starts slowly). @default 30000 */
  nodeStartTimeoutMs?: number;
  /** With one node: no Redis and no nginx, `url` is the node's own. @default false */
  bare?: boolean;
  /**
   * A Redis Cluster (3 masters, 3 replicas) instead of one redis-server: the nodes get
   * REDIS_CLUSTER_NODES and the sharded adapter. @default false
   */
  redisCluster?: boolean;
  /** Data folder of the embedded PostgreSQL. @default <repo>/.data/cluster-pg */
  pgDataDir?: string;
  /** Database on the embedded server (created if missing). @default "chat" */
  database?: string;
  /** Drop that database again on stop (the bench's throw-away runs). @default false */
  dropDatabaseOnStop?: boolean;
  /** Shared by every node so a token from one is valid on all. @default a random one per launch */
  jwtSecret?: string;
  /** Each line a node writes (JSON log lines), e.g. for `pnpm cluster --logs`. */
  onNodeLog?: (node: ClusterNode, line: string) => void;
}

export interface ClusterNode {
  /** `node-1`, `node-2`, … (its NODE_ID). */
  id: string;
  port: number;
  url: string;
  pid: number;
  /** What the node logged (JSON lines, the last few thousand). */
  logs: string[];
  /** Sends the signal (default SIGTERM); resolves with the exit code once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code (null after a signal) whenever the node exits. */
  exited: Promise<number | null>;
}

export interface Cluster {
  /** Where clients go: nginx (its HTTPS address with `tls`), or the node itself when bare. */
  url: string;
  nodes: ClusterNode[];
  redis?: RedisProcess & { pid?: number };
  /** With `redisCluster`: its servers (kill one to see a failover). */
  redisCluster?: RedisClusterProcess;
  nginx?: NginxProcess & { pid?: number };
  databaseUrl: string;
  /** The PostgreSQL server's main process when it runs on this machine (CPU and memory accounting). */
  postgresPid?: number;
  jwtSecret: string;
  /** Stops nginx, the nodes (SIGTERM: they drain their writes), Redis and an embedded PostgreSQL. */
  stop(): Promise<void>;
}

export const CLUSTER_PG_DIR = path.join(ROOT_DIR, ".data", "cluster-pg");

export async function launchCluster(opts: ClusterOptions): Promise<Cluster> {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1) throw new Error("nodes must be a positive integer");
  if (opts.bare && opts.nodes > 1) throw new Error("bare (no Redis, no nginx) needs exactly one node");
  const jwtSecret = opts.jwtSecret ?? crypto.randomBytes(32).toString("base64url");
  // Stopped in reverse order of start, whatever failed in between.
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await bounded(stop(), 15_000).catch(() => undefined);
  };
  try {
    let databaseUrl = opts.databaseUrl;
    let embedded: EmbeddedServer | undefined;
    if (!databaseUrl) {
      const dir = opts.pgDataDir ?? CLUSTER_PG_DIR;
      embedded = await startEmbeddedPostgres(dir);
      const server = embedded;
      const postmaster = readPostmasterPid(dir);
      // embedded-postgres' stop() waits for an exit that never comes if the server already went
      // (e.g. Ctrl-C reached it directly): only ask a live one.
      stops.push(() => (postmaster && !isAlive(postmaster) ? Promise.resolve() : server.stop()));
      const name = opts.database ?? "chat";
      databaseUrl = await ensureDatabase(embedded.url, name);
      // Runs after the nodes have stopped (stops run in reverse) and before the server stops.
      if (opts.dropDatabaseOnStop) stops.push(() => dropDatabase(server.url, name));
    }
    const postgresPid = await findPostmaster(databaseUrl);

    let redis: Cluster["redis"];
    let redisCluster: RedisClusterProcess | undefined;
    if (opts.bare && opts.redisCluster)
      throw new Error("bare (no Redis) and redisCluster exclude each other");
    if (opts.redisCluster) {
      const rc = await startRedisCluster();
      stops.push(() => rc.stop());
      redisCluster = rc;
    } else if (!opts.bare) {
      const before = childPids();
      const r = await startRedis();
      stops.push(() => r.stop());
      redis = Object.assign(r, { pid: newChild(before, "redis-server") });
    }

    const env: Record<string, string> = {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info", // the launcher learns each node's port from its "listening" line
      JWT_SECRET: jwtSecret,
      DATABASE_URL: databaseUrl,
      ...(redis ? { REDIS_URL: redis.url } : {}),
      ...(redisCluster ? { REDIS_CLUSTER_NODES: redisCluster.seeds } : {}),
      // Behind nginx, which overwrites X-Forwarded-For: one hop is believed (security/client-ip.ts).
      ...(opts.bare ? {} : { TRUST_PROXY_HOPS: "1" }),
      ...opts.env,
    };
    const argsOf = (i: number) =>
      typeof opts.nodeArgs === "function" ? opts.nodeArgs(i) : (opts.nodeArgs ?? []);
    const nodes: ClusterNode[] = [];
    // One node first: it applies pending migrations while the others would only queue on the lock.
    await startOne(0);
    const rest = await Promise.allSettled(Array.from({ length: opts.nodes - 1 }, (_, i) => startOne(i + 1)));
    const failed = rest.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    nodes.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));

    async function startOne(i: number): Promise<ClusterNode> {
      const id = `node-${i + 1}`;
      const proc: NodeProcess = await spawnNode(
        { ...env, NODE_ID: id },
        {
          nodeArgs: argsOf(i),
          startTimeoutMs: opts.nodeStartTimeoutMs,
          onSpawn: opts.onNodeSpawn && ((pid) => opts.onNodeSpawn!(pid, i)),
        },
      );
      const child = proc.proc;
      const exited = new Promise<number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
        else child.once("exit", (code) => resolve(code));
      });
      const node: ClusterNode = {
        id,
        port: proc.port,
        url: proc.url,
        pid: proc.proc.pid!,
        logs: proc.logs,
        kill: (signal) => proc.kill(signal),
        exited,
      };
      nodes.push(node);
      stops.push(() => stopNode(node));
      if (opts.onNodeLog) {
        let buf = "";
        proc.proc.stdout!.on("data", (chunk: Buffer) => {
          const lines = (buf + chunk.toString()).split("\n");
          buf = lines.pop()!;
          for (const line of lines) opts.onNodeLog!(node, line);
        });
      }
      return node;
    }

    let nginx: Cluster["nginx"];
    if (!opts.bare) {
      const before = childPids();
      const n = await startNginx(
        nodes.map((n) => n.port),
        { port: opts.nginxPort, tls: opts.tls },
      );
      stops.push(() => n.stop());
      nginx = Object.assign(n, { pid: newChild(before, "nginx") });
    }

    let stopping: Promise<void> | undefined;
    return {
      url: nginx ? (nginx.httpsUrl ?? nginx.url) : nodes[0].url,
      nodes,
      redis,
      redisCluster,
      nginx,
      databaseUrl,
      postgresPid,
      jwtSecret,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** SIGTERM (a graceful drain), then SIGKILL if it has not exited in time. */
async function stopNode(node: ClusterNode): Promise<void> {
  const exited = node.kill("SIGTERM");
  const done = await bounded(exited, 12_000).then(
    () => true,
    () => false,
  );
  if (!done) await node.kill("SIGKILL");
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Makes `handler` the only listener of SIGINT/SIGTERM/SIGHUP. embedded-postgres installs a hook
 * (async-exit-hook) that, on those signals, stops PostgreSQL and exits the process at once — before
 * the nodes have drained, and leaving nginx and Redis orphaned. Launchers stop things in order instead.
 */
export function takeOverSignals(handler: (signal: NodeJS.Signals) => void): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => handler(signal));
  }
}

// --- /proc helpers: the bench reads CPU and memory of these processes ---

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A local server's postmaster: the parent of our backend, if that is a `postgres` process here. */
async function findPostmaster(url: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const parent = procStat(rows[0].pid)?.ppid;
    return parent && procComm(parent) === "postgres" ? parent : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function procStat(pid: number): { comm: string; ppid: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    return {
      comm: stat.slice(stat.indexOf("(") + 1, close),
      ppid: Number(stat.slice(close + 2).split(" ")[1]),
    };
  } catch {
    return undefined;
  }
}

function procComm(pid: number): string | undefined {
  return procStat(pid)?.comm;
}

/** Our own child processes by pid. */
function childPids(): Set<number> {
  const out = new Set<number>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    if (procStat(Number(name))?.ppid === process.pid) out.add(Number(name));
  }
  return out;
}

function newChild(before: Set<number>, comm: string): number | undefined {
  for (const pid of childPids()) if (!before.has(pid) && procComm(pid)?.startsWith(comm)) return pid;
  return undefined;
}
