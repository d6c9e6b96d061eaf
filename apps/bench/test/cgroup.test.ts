/**
 * The CPU budgets of `--node-cpu`: the files written for cgroup v1 and v2 (a temp folder stands in
 * for /sys/fs/cgroup), and on this machine, when cgroups are writable, that the kernel holds a
 * busy loop to its budget.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { CgroupError, createBudgets, detectCgroup, type BudgetSet } from "../src/cgroup.ts";

describe("cpu cgroup budgets (--node-cpu)", function () {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "cgroup-root-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("cgroup v1: a cpu hierarchy gets one group per node with cfs_period_us 100000 and cfs_quota_us = budget × period", () => {
    fs.mkdirSync(path.join(root, "cpu"));
    fs.writeFileSync(path.join(root, "cpu", "cpu.cfs_quota_us"), "-1\n");
    expect(detectCgroup(root)).to.deep.equal({ version: 1, base: path.join(root, "cpu") });

    const set = createBudgets("run1", ["node-1", "node-2"], 0.2, { root });
    const dir = path.join(root, "cpu", "run1", "node-2");
    expect(fs.readFileSync(path.join(dir, "cpu.cfs_period_us"), "utf8")).to.equal("100000");
    expect(fs.readFileSync(path.join(dir, "cpu.cfs_quota_us"), "utf8")).to.equal("20000");
    set.budgets[1].add(4242);
    expect(fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8")).to.equal("4242");

    fs.writeFileSync(
      path.join(dir, "cpu.stat"),
      "nr_periods 50\nnr_throttled 40\nthrottled_time 3500000000\n",
    );
    expect(set.budgets[1].throttle()).to.deep.equal({
      periods: 50,
      throttledPeriods: 40,
      throttledSeconds: 3.5,
    });

    set.remove();
    expect(fs.existsSync(path.join(root, "cpu", "run1"))).to.equal(false);
    // the straggler went back to the root group before its group was removed
    expect(fs.readFileSync(path.join(root, "cpu", "cgroup.procs"), "utf8")).to.equal("4242");
  });

  it('cgroup v2: cpu enabled in subtree_control down the tree and cpu.max = "quota period"', () => {
    fs.writeFileSync(path.join(root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
    fs.writeFileSync(path.join(root, "cgroup.subtree_control"), "memory\n");
    expect(detectCgroup(root)).to.deep.equal({ version: 2, base: root });

    const set = createBudgets("run2", ["node-1"], 0.5, { root });
    expect(fs.readFileSync(path.join(root, "cgroup.subtree_control"), "utf8")).to.equal("+cpu");
    expect(fs.readFileSync(path.join(root, "run2", "cgroup.subtree_control"), "utf8")).to.equal("+cpu");
    expect(fs.readFileSync(path.join(root, "run2", "node-1", "cpu.max"), "utf8")).to.equal("50000 100000");
    fs.writeFileSync(
      path.join(root, "run2", "node-1", "cpu.stat"),
      "usage_usec 9\nnr_periods 10\nnr_throttled 5\nthrottled_usec 250000\n",
    );
    expect(set.budgets[0].throttle()).to.deep.equal({
      periods: 10,
      throttledPeriods: 5,
      throttledSeconds: 0.25,
    });
    set.remove();
    expect(fs.existsSync(path.join(root, "run2"))).to.equal(false);
  });

  it("no cpu controller, or v2 without cpu: a CgroupError that says so (never an unbudgeted run)", () => {
    expect(() => createBudgets("x", ["node-1"], 0.2, { root })).to.throw(
      CgroupError,
      /no cgroup cpu controller/,
    );
    fs.writeFileSync(path.join(root, "cgroup.controllers"), "memory pids\n");
    expect(() => detectCgroup(root)).to.throw(CgroupError, /does not offer the cpu controller/);
  });

  it("a group that cannot be created: a CgroupError naming the folder and what --node-cpu needs", () => {
    fs.mkdirSync(path.join(root, "cpu"));
    fs.writeFileSync(path.join(root, "cpu", "cpu.cfs_quota_us"), "-1\n");
    // A file where the run's group would go: mkdir under it fails (ENOTDIR) even for root.
    fs.writeFileSync(path.join(root, "cpu", "x"), "");
    expect(() => createBudgets("x", ["node-1"], 0.2, { root })).to.throw(
      CgroupError,
      /cannot create the cgroup .*x\/node-1 \(ENOTDIR\): --node-cpu needs a writable cpu cgroup controller/,
    );
  });

  it("a bad budget is refused", () => {
    fs.writeFileSync(path.join(root, "cgroup.controllers"), "cpu\n");
    expect(() => createBudgets("x", ["node-1"], 0, { root })).to.throw(CgroupError, /must be > 0/);
  });

  it("on this machine: a busy loop in a 0.2 CPU budget uses at most ~0.25 CPU over 2 s", async function () {
    this.timeout(15_000);
    let set: BudgetSet;
    try {
      set = createBudgets(`chat-bench-test-${process.pid}`, ["busy"], 0.2);
    } catch (err) {
      // The reason is the skip message: the test cannot say anything about budgets here.
      this.test!.title += ` (skipped: ${(err as Error).message})`;
      this.skip();
    }
    const child = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
    try {
      set.budgets[0].add(child.pid!);
      const cpu0 = cpuSeconds(child.pid!);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 2000));
      const used = (cpuSeconds(child.pid!) - cpu0) / ((performance.now() - t0) / 1000);
      expect(used, `busy loop used ${used.toFixed(3)} CPU`).to.be.at.most(0.25);
      expect(used).to.be.greaterThan(0.05); // it did run
      expect(set.budgets[0].throttle().throttledPeriods).to.be.greaterThan(0);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      set.remove();
    }
    expect(fs.existsSync(set.dir)).to.equal(false);
  });
});

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // CLK_TCK is 100 on Linux
}
