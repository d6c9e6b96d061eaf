/**
 * Connecting every device of every user (placed on the nodes as the options say); in the idle
 * scenario, the nodes' memory per connection on the way.
 */
import type { BenchOptions } from "./options.ts";
import type { LoadClient, Placement } from "./load.ts";
import { round, type ProcSampler } from "./proc-stats.ts";
import type { BenchResult } from "./result.ts";
import type { Log } from "./start.ts";
import type { Topology } from "./topology.ts";

export interface Connected {
  devices: number;
  seconds: number;
  idle: BenchResult["idle"];
}

export async function connectDevices(
  o: BenchOptions,
  users: number,
  topology: Topology,
  sampler: ProcSampler,
  client: LoadClient,
  log: Log,
): Promise<Connected> {
  const started = performance.now();
  const devices = users * o.devices;
  const connect = (from: number, to: number) =>
    client.connect(placement(o, topology), 64, (done) => log(`connecting: ${done}/${devices}`), from, to);
  let idle: BenchResult["idle"];
  if (o.scenario === "idle") {
    idle = await connectMeasuringMemory(connect, devices, topology, sampler);
  } else {
    await connect(0, devices);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`${devices} connections open in ${seconds.toFixed(1)} s`);
  return { devices, seconds, idle };
}

function placement(o: BenchOptions, t: Topology): Placement {
  if (o.via === "chat" && t.nginxUrl) {
    // User u is in chat floor(u / chatSize) (setup.ts): its members share a node, even at one node.
    return { target: (u) => ({ url: t.nodes[Math.floor(u / o.chatSize) % t.nodes.length].url }) };
  }
  if (t.nodes.length === 1 || !t.nginxUrl) return { target: () => ({ url: t.url }) };
  if (o.via === "direct") {
    return { target: (u, d) => ({ url: t.nodes[(u + d) % t.nodes.length].url }) };
  }
  // nginx routes by a hash of the client address: devices come from 127.0.0.1 … 127.0.0.250.
  return { target: (_u, _d, i) => ({ url: t.nginxUrl!, localAddress: `127.0.0.${1 + (i % 250)}` }) };
}

/**
 * Memory per connection is the growth from the first half of the connections to all of them,
 * each read after a full GC: the setup's garbage, pools, JIT code and heap sizing are in both.
 */
async function connectMeasuringMemory(
  connect: (from: number, to: number) => Promise<void>,
  devices: number,
  topology: Topology,
  sampler: ProcSampler,
): Promise<NonNullable<BenchResult["idle"]>> {
  const rss = () => topology.nodes.reduce((s, n) => s + sampler.anonKB(n.name), 0);
  const half = Math.floor(devices / 2);
  await connect(0, half);
  const heapHalf = await topology.collectGarbage();
  const rssHalf = rss();
  await connect(half, devices);
  const heapAll = await topology.collectGarbage();
  const rssAll = rss();
  return {
    connections: devices,
    rssPerConnectionKB: round((rssAll - rssHalf) / (devices - half), 2),
    heapPerConnectionKB: round((heapAll - heapHalf) / (devices - half), 2),
    nodeRssHalfMB: round(rssHalf / 1024, 1),
    nodeRssAllMB: round(rssAll / 1024, 1),
  };
}
