/**
 * A private Redis Cluster (tests, `pnpm cluster --redis-cluster`): 3 masters and 3 replicas from the
 * machine's redis-server in cluster mode, each on free ports (client port and cluster-bus port, so
 * no port + 10000 arithmetic can leave the range) with its own folder for nodes.conf, joined by
 * `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`. Resolves once every node says
 * `cluster_state:ok`, agrees on all 16384 slots and every replica's link to its master is up.
 *
 * Settings chosen for a chat cluster, and why:
 * - `cluster-node-timeout` (default 5000 ms here, Redis' own is 15 s): how long a silent master
 *   goes before its replica takes over; the failover test measures what it costs. 2000 ms brought
 *   spurious failovers on this loaded 2-core machine (a redis-server starved that long is "dead").
 * - `cluster-require-full-coverage no`: while one master is down the other shards keep serving
 *   (their chats' fan-out, presence and limits), instead of the whole cluster refusing everything.
 * - `cluster-replica-validity-factor 0`: a replica may always take over, however long it was cut off.
 * - no persistence (`save ""`, no AOF): the state in Redis is rebuilt by the nodes (presence,
 *   heartbeats) or short-lived (rate windows); PostgreSQL holds the truth.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../store/free-port.ts";

export interface RedisClusterServer {
  readonly port: number;
  /** Its folder (nodes.conf); kept across `kill` + `start`, so it rejoins as the same node. */
  dir: string;
  pid(): number | undefined;
  alive(): boolean;
  /** Sends the signal (default SIGKILL) and resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and folder (after kill): it rejoins, as a replica if replaced. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a stalled (not refused) server. */
  pause(): void;
  resume(): void;
}

export interface RedisClusterProcess {
  /** Every node as `host:port`, comma-separated: the value of REDIS_CLUSTER_NODES. */
  seeds: string;
  servers: RedisClusterServer[];
  /** The servers that are masters right now, as the cluster says (CLUSTER NODES of a live node). */
  masters(): Promise<RedisClusterServer[]>;
  /** The master serving the slot of a key or (sharded pub/sub) channel right now. */
  masterOf(key: string): Promise<RedisClusterServer>;
  /** Resolves once the live nodes say cluster_state:ok and every slot has a live master. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** @default 3 */
  masters?: number;
  /** Replicas per master. @default 1 */
  replicas?: number;
  /** cluster-node-timeout: how long a master may be silent before its replica takes over. @default 5000 */
  nodeTimeoutMs?: number;
  /** How long to wait for the cluster to form. @default 30000 */
  startTimeoutMs?: number;
}

const HOST = "127.0.0.1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One command on a fresh short-lived connection, its reply as text; undefined when the node does not answer. */
async function ask(port: number, ...args: string[]): Promise<string | undefined> {
  const reply = await askRaw(port, ...args);
  return reply === undefined ? undefined : String(reply);
}

async function askRaw(port: number, ...args: string[]): Promise<unknown> {
  const c = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 1000,
  });
  c.on("error", () => undefined);
  try {
    await c.connect();
    return await c.call(args[0], ...args.slice(1));
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

/**
 * One cluster-mode redis-server. Its two ports are chosen free, but another process (a parallel test
 * run, another server starting beside it) can take one before redis-server binds it: the first start
 * then tries fresh ports, up to 3 times. Later starts (a killed master rejoining) keep their ports,
 * which the other nodes know it by.
 */
async function server(dir: string, nodeTimeoutMs: number): Promise<RedisClusterServer> {
  let port = await freePort();
  let busPort = await freePort();
  let started = false;
  let proc: ChildProcess | undefined;
  const alive = () => !!proc && proc.exitCode === null && proc.signalCode === null;
  const startOnce = async () => {
    let output = "";
    proc = spawn(
      "redis-server",
      [
        ...["--port", String(port), "--bind", HOST, "--dir", dir],
        ...[
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "nodes.conf",
          "--cluster-port",
          String(busPort),
        ],
        ...["--cluster-node-timeout", String(nodeTimeoutMs), "--cluster-require-full-coverage", "no"],
        ...["--cluster-replica-validity-factor", "0", "--save", "", "--appendonly", "no"],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    for (const s of [proc.stdout!, proc.stderr!])
      s.on("data", (c: Buffer) => (output = (output + c).slice(-4000)));
    const deadline = Date.now() + 10_000;
    // Answered by this process (its pid), not by another server that held the port already.
    const ours = new RegExp(`process_id:${proc.pid}\\r?\\n`);
    while (!ours.test((await ask(port, "INFO", "server")) ?? "")) {
      if (!alive()) throw new Error(`redis-server ${port} exited: ${output.trim()}`);
      if (Date.now() > deadline) throw new Error(`redis-server ${port} did not answer`);
      await sleep(50);
    }
  };
  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await startOnce();
        started = true;
        return;
      } catch (err) {
        if (started || attempt === 3 || !/Address already in use/.test(String(err))) throw err;
        port = await freePort();
        busPort = await freePort();
      }
    }
  };
  return {
    get port() {
      return port;
    },
    dir,
    pid: () => proc?.pid,
    alive,
    start,
    pause: () => void proc?.kill("SIGSTOP"),
    resume: () => void proc?.kill("SIGCONT"),
    kill: async (signal = "SIGKILL") => {
      if (!alive()) return;
      const p = proc!;
      await new Promise<void>((r) => {
        p.once("exit", () => r());
        p.kill(signal);
      });
    },
  };
}

/** `CLUSTER NODES` as rows: port, role, and whether the node is marked failed. */
function parseNodes(text: string) {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [, addr, flags, , , , , , ...slots] = line.split(" ");
      return {
        port: Number(/:(\d+)@/.exec(addr)?.[1]),
        master: flags.split(",").includes("master"),
        failed: /fail/.test(flags),
        slots: slots.length,
      };
    });
}

export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisClusterProcess> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 1;
  const count = masters * (replicas + 1);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chat-redis-cluster-"));
  const servers: RedisClusterServer[] = [];
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, String(i));
    fs.mkdirSync(dir);
    servers.push(await server(dir, opts.nodeTimeoutMs ?? 5000));
  }
  const stop = async () => {
    await Promise.all(servers.map((s) => s.kill("SIGKILL")));
    fs.rmSync(root, { recursive: true, force: true });
  };

  const liveState = async () => {
    for (const s of servers.filter((x) => x.alive())) {
      const text = await ask(s.port, "CLUSTER", "NODES");
      if (text) return parseNodes(text);
    }
    return [];
  };
  const waitHealthy = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      const live = servers.filter((s) => s.alive());
      const infos = await Promise.all(live.map((s) => ask(s.port, "CLUSTER", "INFO")));
      const repl = await Promise.all(live.map((s) => ask(s.port, "INFO", "replication")));
      const ok = infos.every((i) => i?.includes("cluster_state:ok") && i.includes("cluster_slots_ok:16384"));
      // Every replica of a live master has its data (a replica still syncing could not take over).
      const synced = repl.every((r) => !r?.includes("role:slave") || r.includes("master_link_status:up"));
      const nodes = await liveState();
      const liveMasters = nodes.filter((n) => n.master && !n.failed && n.slots > 0);
      if (ok && synced && liveMasters.length === masters) return;
      last = `state ok=${ok} synced=${synced} masters=${liveMasters.length}`;
      if (Date.now() > deadline) throw new Error(`Redis Cluster not healthy in ${timeoutMs} ms (${last})`);
      await sleep(100);
    }
  };

  try {
    await Promise.all(servers.map((s) => s.start()));
    const create = spawnSync(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...servers.map((s) => `${HOST}:${s.port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${(create.stdout + create.stderr).slice(-2000)}`);
    await waitHealthy(opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    seeds: servers.map((s) => `${HOST}:${s.port}`).join(","),
    servers,
    async masters() {
      const nodes = await liveState();
      const ports = new Set(nodes.filter((n) => n.master && !n.failed && n.slots > 0).map((n) => n.port));
      return servers.filter((s) => ports.has(s.port));
    },
    async masterOf(key: string) {
      for (const s of servers.filter((x) => x.alive())) {
        const slot = Number(await ask(s.port, "CLUSTER", "KEYSLOT", key));
        const ranges = (await askRaw(s.port, "CLUSTER", "SLOTS")) as Array<
          [number, number, [string, number]]
        >;
        const range = ranges?.find(([from, to]) => slot >= from && slot <= to);
        const owner = range && servers.find((x) => x.port === Number(range[2][1]));
        if (owner) return owner;
      }
      throw new Error(`no live master serves "${key}"`);
    },
    waitHealthy,
    stop,
  };
}
