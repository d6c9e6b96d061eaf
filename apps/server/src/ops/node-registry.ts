/**
 * The live node registry behind GET /admin/cluster. One narrow seam with a memory implementation
 * (a single node knows only itself) and a Redis one (every node of the cluster), chosen in
 * `createNodeRegistry`.
 *
 * In Redis each node keeps `<prefix>:cluster:node:<instance>` (its last heartbeat, JSON) with a TTL and
 * renews it every third of the TTL; the set `<prefix>:cluster:nodes` lists the instances ever seen.
 * Keys are per process start, not per NODE_ID: a node SIGKILLed and restarted under the same id must
 * not renew its dead predecessor's entry. A node
 * that dies stops renewing, Redis expires its key within one TTL, and the next reader drops its id
 * from the set: no clocks are compared and nobody has to clean up after the dead.
 */
import os from "node:os";
import type { Redis } from "ioredis";

/** What a node says about itself in each heartbeat. */
export interface NodeSnapshot {
  id: string;
  /** This process start; entries are keyed by it, so a restart under the same id is a new entry. */
  instance: string;
  address: string;
  version: string;
  started_at: string;
  sockets: number;
  load: number[];
  cpu_percent: number;
  rss_bytes: number;
}

export interface NodeEntry extends NodeSnapshot {
  heartbeat_at: string;
}

export interface NodeRegistry {
  /** Seconds a node stays listed after its last heartbeat. */
  readonly ttlSeconds: number;
  /** The live nodes, this one included, by id. */
  list(): Promise<NodeEntry[]>;
  /** Stops the heartbeat and withdraws this node at once (graceful shutdown). */
  close(): Promise<void>;
}

export class MemoryNodeRegistry implements NodeRegistry {
  constructor(
    private readonly snapshot: () => NodeSnapshot,
    readonly ttlSeconds: number,
  ) {}

  async list(): Promise<NodeEntry[]> {
    return [{ ...this.snapshot(), heartbeat_at: new Date().toISOString() }];
  }

  async close(): Promise<void> {}
}

export class RedisNodeRegistry implements NodeRegistry {
  private readonly timer: NodeJS.Timeout;
  private readonly setKey: string;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly snapshot: () => NodeSnapshot,
    readonly ttlSeconds: number,
  ) {
    this.setKey = `${prefix}:cluster:nodes`;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), (ttlSeconds * 1000) / 3);
    this.timer.unref();
  }

  private nodeKey(id: string) {
    return `${this.prefix}:cluster:node:${id}`;
  }

  /** Writes this node's entry; a Redis outage only delays it (the next beat retries). */
  beat(): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    const s = this.snapshot();
    const entry: NodeEntry = { ...s, heartbeat_at: new Date().toISOString() };
    return this.redis
      .multi()
      .set(this.nodeKey(s.instance), JSON.stringify(entry), "PX", this.ttlSeconds * 1000)
      .sadd(this.setKey, s.instance)
      .exec()
      .catch(() => undefined);
  }

  async list(): Promise<NodeEntry[]> {
    await this.beat(); // this node's own entry, fresh
    const ids = (await this.redis.smembers(this.setKey)).sort();
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map((id) => this.nodeKey(id)));
    const gone = ids.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.redis.srem(this.setKey, ...gone);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as NodeEntry);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const id = this.snapshot().instance;
    await this.redis
      .multi()
      .del(this.nodeKey(id))
      .srem(this.setKey, id)
      .exec()
      .catch(() => undefined);
  }
}

export function createNodeRegistry(opts: {
  kind: "memory" | "redis";
  redis?: Redis;
  prefix: string;
  ttlSeconds: number;
  snapshot: () => NodeSnapshot;
}): NodeRegistry {
  switch (opts.kind) {
    case "memory":
      return new MemoryNodeRegistry(opts.snapshot, opts.ttlSeconds);
    case "redis":
      if (!opts.redis) throw new Error("The Redis node registry needs a Redis client");
      return new RedisNodeRegistry(opts.redis, opts.prefix, opts.snapshot, opts.ttlSeconds);
    default:
      throw new Error(`Unknown node registry "${String(opts.kind)}"`);
  }
}

/**
 * Describes this process: sockets from the caller, the host's load, this process's CPU share
 * since the previous call and its RSS.
 */
export function processSnapshot(fixed: {
  id: string;
  instance: string;
  address: string;
  version: string;
  startedAt: Date;
  sockets: () => number;
}): () => NodeSnapshot {
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  return () => {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage(lastCpu);
    const wallMicros = Number(now - lastAt) / 1000;
    lastCpu = process.cpuUsage();
    lastAt = now;
    const percent = wallMicros > 0 ? ((cpu.user + cpu.system) / wallMicros) * 100 : 0;
    return {
      id: fixed.id,
      instance: fixed.instance,
      address: fixed.address,
      version: fixed.version,
      started_at: fixed.startedAt.toISOString(),
      sockets: fixed.sockets(),
      load: os.loadavg().map((l) => Math.round(l * 100) / 100),
      cpu_percent: Math.round(percent * 10) / 10,
      rss_bytes: process.memoryUsage.rss(),
    };
  };
}

/**
 * host:port others could reach this node at: the listen address, or when it listens on every
 * interface, its first external IPv4 (a container's own address), else the host name.
 */
export function nodeAddress(host: string, port: number): string {
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return `${host}:${port}`;
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal);
  return `${external?.address ?? os.hostname()}:${port}`;
}
