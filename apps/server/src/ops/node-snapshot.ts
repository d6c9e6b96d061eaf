/**
 * What this node says about itself in each registry heartbeat (cluster/node-registry.ts): its
 * address, and its load read from the process and the host (node-load.ts samples it).
 */
import os from "node:os";
import type { NodeSnapshot } from "../cluster/node-registry.ts";
import type { NodeLoad } from "./node-load.ts";

/** A pg.Pool's counts (the fields pg-pool exposes). */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Describes this process: sockets and users from the caller, the host's load, this process's CPU
 * use and traffic over the last finished sampling window of `load` (never a window shrunk by the
 * read itself), its memory and its database pool.
 */
export function processSnapshot(fixed: {
  id: string;
  instance: string;
  address: string;
  version: string;
  startedAt: Date;
  sockets: () => number;
  usersOnline: () => number;
  load: Pick<NodeLoad, "latest" | "cpu">;
  pool: PoolCounts;
}): () => NodeSnapshot {
  return () => {
    const { cpu, window } = fixed.load.latest();
    const mem = process.memoryUsage();
    return {
      id: fixed.id,
      instance: fixed.instance,
      address: fixed.address,
      version: fixed.version,
      started_at: fixed.startedAt.toISOString(),
      sockets: fixed.sockets(),
      users_online: fixed.usersOnline(),
      load: os.loadavg().map((l) => Math.round(l * 100) / 100),
      cores: fixed.load.cpu.cores,
      cpu_cores_used: cpu?.coresUsed ?? null,
      cpu_percent_of_host: cpu?.percentOfHost ?? null,
      rss_bytes: mem.rss,
      heap_used_bytes: mem.heapUsed,
      heap_total_bytes: mem.heapTotal,
      pool: {
        total: fixed.pool.totalCount,
        idle: fixed.pool.idleCount,
        waiting: fixed.pool.waitingCount,
      },
      window,
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
