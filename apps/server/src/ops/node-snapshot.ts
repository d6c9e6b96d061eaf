/**
 * What this node says about itself in each registry heartbeat (cluster/node-registry.ts): its
 * address, and its load read from the process and the host.
 */
import os from "node:os";
import type { NodeSnapshot } from "../cluster/node-registry.ts";

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
