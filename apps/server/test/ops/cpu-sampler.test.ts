/**
 * The CPU figure of a node (ops/cpu-sampler.ts): over a sampling window, never against process
 * start, never above the cores the process may use — and a busy process says so.
 */
import { expect } from "chai";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { CpuSampler, cpuBetween, type CpuPoint } from "../../src/ops/cpu-sampler.ts";
import { NodeLoad } from "../../src/ops/node-load.ts";
import { processSnapshot } from "../../src/ops/node-snapshot.ts";
import { bucketQuantile } from "../../src/ops/histogram-window.ts";
import client from "prom-client";

const point = (cpuMs: number, atMs: number): CpuPoint => ({
  usage: { user: cpuMs * 1000, system: 0 },
  atNs: BigInt(Math.round(atMs * 1e6)),
});

/** Keeps `threads` worker threads spinning until stopped. */
function spin(threads: number): () => Promise<void> {
  const code = "const end = Date.now() + 20000; while (Date.now() < end) {}";
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true }));
  return async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
}

describe("CPU figure of a node", () => {
  it("is CPU time over the window's wall time, in cores and in percent of the host", () => {
    expect(cpuBetween(point(0, 0), point(1500, 1000), 4, 500)).to.deep.equal({
      coresUsed: 1.5,
      percentOfHost: 37.5,
      cores: 4,
      windowMs: 1000,
    });
  });

  it("refuses a window too short to mean anything, and never reports more than the cores", () => {
    // The old figure: 6.19 ms of CPU (other threads' ticks) over a 1 ms read-after-read window.
    expect(cpuBetween(point(0, 0), point(6.19, 1), 2, 500)).to.equal(null);
    expect(cpuBetween(point(0, 0), point(5000, 1000), 2, 500)!.coresUsed).to.equal(2);
    expect(cpuBetween(point(0, 0), point(5000, 1000), 2, 500)!.percentOfHost).to.equal(100);
  });

  it("starts its first window at its creation, not at process start, and a read does not sample", () => {
    // The process had used 30 s of CPU before the sampler existed.
    let now = point(30_000, 10_000);
    const s = new CpuSampler({ cores: 2, minWindowMs: 500, read: () => now });
    expect(s.latest()).to.equal(null);
    now = point(30_100, 10_200);
    expect(s.sample(), "a 200 ms window is not closed").to.equal(null);
    now = point(30_500, 11_000);
    expect(s.sample()).to.include({ coresUsed: 0.5, windowMs: 1000 });
    now = point(30_510, 11_001);
    expect(s.latest()).to.include({ coresUsed: 0.5 });
    expect(s.sample(), "a 1 ms window keeps the last reading").to.include({ coresUsed: 0.5 });
  });

  it("a busy node reports within 0..cores, read back to back, and shows the work", async function () {
    this.timeout(20_000);
    const cores = os.availableParallelism();
    const registry = new client.Registry();
    const load = new NodeLoad(registry, 600);
    const snap = processSnapshot({
      id: "n",
      instance: "n~1",
      address: "127.0.0.1:1",
      version: "t",
      startedAt: new Date(),
      sockets: () => 0,
      usersOnline: () => 0,
      load,
      pool: { totalCount: 0, idleCount: 0, waitingCount: 0 },
    });
    const stop = spin(cores);
    const from = { usage: process.cpuUsage(), at: performance.now() };
    try {
      let busiest = 0;
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        // As the registry does: a heartbeat, then at once a request's read.
        for (const s of [snap(), snap()]) {
          if (s.cpu_cores_used === null) continue;
          expect(s.cpu_cores_used).to.be.within(0, cores);
          expect(s.cpu_percent_of_host).to.be.within(0, 100);
          busiest = Math.max(busiest, s.cpu_cores_used);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      // The work shows: the busiest window holds at least half of what the process used on average
      // over the whole run, measured apart (on a machine shared with others, spinning threads get what
      // they get, so the figure is compared with the process's own use, not with a constant).
      const used = process.cpuUsage(from.usage);
      const average = Math.min(cores, (used.user + used.system) / 1000 / (performance.now() - from.at));
      expect(average, "the spinning threads ran").to.be.greaterThan(0.05);
      expect(busiest).to.be.at.least(average * 0.5);
    } finally {
      await stop();
      load.stop();
    }
  });
});

describe("histogram quantiles over a window", () => {
  it("interpolates inside a bucket as Prometheus does, and answers null when empty", () => {
    const b: Array<[number, number]> = [
      [0.01, 0],
      [0.1, 100],
      [1, 100],
      [Infinity, 100],
    ];
    expect(bucketQuantile(0.5, b)).to.be.closeTo(0.055, 1e-9);
    expect(
      bucketQuantile(0.99, [
        [1, 0],
        [Infinity, 5],
      ]),
    ).to.equal(1);
    expect(
      bucketQuantile(0.5, [
        [1, 0],
        [Infinity, 0],
      ]),
    ).to.equal(null);
  });
});
