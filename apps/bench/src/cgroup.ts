/**
 * A fixed CPU budget per process through the kernel's `cpu` cgroup controller, so that N nodes on
 * one box each get the CPU of one small machine (`--node-cpu`). cgroup v1 (a `cpu` hierarchy:
 * `cpu.cfs_period_us` + `cpu.cfs_quota_us`) and v2 (`cpu.max`) are both handled; the root is
 * injectable so the tests can stand a temp folder in for /sys/fs/cgroup.
 */
import fs from "node:fs";
import path from "node:path";

/** The CFS period every budget uses: 100 ms, the kernel's default. */
const PERIOD_US = 100_000;

interface CgroupLayout {
  version: 1 | 2;
  /** The folder new groups are made in: `<root>/cpu` (v1) or `<root>` (v2). */
  base: string;
}

/** What a budget's `cpu.stat` says: periods run, periods throttled, and time spent throttled. */
export interface ThrottleStat {
  periods: number;
  throttledPeriods: number;
  throttledSeconds: number;
}

export class CgroupError extends Error {}

/**
 * Which cgroup version is mounted under `root`, from its files: v2 has `cgroup.controllers` at the
 * root (and lists `cpu` there); v1 has a `cpu` hierarchy with `cpu.cfs_quota_us`.
 */
export function detectCgroup(root = "/sys/fs/cgroup"): CgroupLayout {
  const controllers = path.join(root, "cgroup.controllers");
  if (fs.existsSync(controllers)) {
    const list = fs.readFileSync(controllers, "utf8").trim().split(/\s+/);
    if (!list.includes("cpu"))
      throw new CgroupError(
        `cgroup v2 at ${root} does not offer the cpu controller (${controllers}: ${list.join(" ")})`,
      );
    return { version: 2, base: root };
  }
  // v1: the cpu controller is mounted alone (`cpu`) or with cpuacct (`cpu,cpuacct`, `cpu` a symlink).
  for (const name of ["cpu", "cpu,cpuacct"]) {
    const dir = path.join(root, name);
    if (fs.existsSync(path.join(dir, "cpu.cfs_quota_us"))) return { version: 1, base: dir };
  }
  throw new CgroupError(
    `no cgroup cpu controller under ${root} (neither v2's cgroup.controllers nor v1's cpu/cpu.cfs_quota_us)`,
  );
}

/** One cgroup with a CPU budget: put processes in, read its throttling, remove it. */
export class CpuBudget {
  constructor(
    readonly dir: string,
    readonly version: 1 | 2,
    /** CPUs: 0.2 = 20 ms of every 100 ms period. */
    readonly cpus: number,
  ) {}

  /** Moves a process (all its threads; its future children are born inside) into the budget. */
  add(pid: number): void {
    write(path.join(this.dir, "cgroup.procs"), String(pid));
  }

  /** Pids in the group now. */
  pids(): number[] {
    try {
      return fs
        .readFileSync(path.join(this.dir, "cgroup.procs"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  /** The kernel's throttling counters (v1 `throttled_time` ns, v2 `throttled_usec`). */
  throttle(): ThrottleStat {
    const out: ThrottleStat = { periods: 0, throttledPeriods: 0, throttledSeconds: 0 };
    let text = "";
    try {
      text = fs.readFileSync(path.join(this.dir, "cpu.stat"), "utf8");
    } catch {
      return out;
    }
    for (const line of text.split("\n")) {
      const [k, v] = line.trim().split(/\s+/);
      const n = Number(v);
      if (k === "nr_periods") out.periods = n;
      else if (k === "nr_throttled") out.throttledPeriods = n;
      else if (k === "throttled_time") out.throttledSeconds = n / 1e9;
      else if (k === "throttled_usec") out.throttledSeconds = n / 1e6;
    }
    return out;
  }
}

export interface BudgetSet {
  /** The run's parent group (holds one child group per process). */
  dir: string;
  layout: CgroupLayout;
  budgets: CpuBudget[];
  /** Removes every group; processes still inside go back to the root group first. */
  remove(): void;
}

/**
 * Creates `<base>/<name>/<child>` for each child name, each with a budget of `cpus` CPUs.
 * Fails with a CgroupError saying what to do when cgroups are missing or not writable — the caller
 * must not run unbudgeted instead.
 */
export function createBudgets(
  name: string,
  children: string[],
  cpus: number,
  opts: { root?: string; layout?: CgroupLayout } = {},
): BudgetSet {
  if (!(cpus > 0)) throw new CgroupError(`a CPU budget must be > 0, got ${cpus}`);
  const layout = opts.layout ?? detectCgroup(opts.root);
  const dir = path.join(layout.base, name);
  const budgets: CpuBudget[] = [];
  const set: BudgetSet = {
    dir,
    layout,
    budgets,
    remove: () => removeGroup(layout, dir, budgets),
  };
  try {
    mkdir(dir);
    if (layout.version === 2) {
      // v2 hands a controller to a group's children only when its parent lists it in subtree_control.
      enableCpu(layout.base);
      enableCpu(dir);
    }
    for (const child of children) {
      const b = new CpuBudget(path.join(dir, child), layout.version, cpus);
      mkdir(b.dir);
      budgets.push(b);
      const quota = Math.max(1000, Math.round(cpus * PERIOD_US));
      if (layout.version === 1) {
        write(path.join(b.dir, "cpu.cfs_period_us"), String(PERIOD_US));
        write(path.join(b.dir, "cpu.cfs_quota_us"), String(quota));
      } else {
        write(path.join(b.dir, "cpu.max"), `${quota} ${PERIOD_US}`);
      }
    }
  } catch (err) {
    try {
      set.remove();
    } catch {
      /* the first error is the one to report */
    }
    throw err;
  }
  return set;
}

function enableCpu(dir: string): void {
  const file = path.join(dir, "cgroup.subtree_control");
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (!current.split(/\s+/).includes("cpu")) write(file, "+cpu");
}

function removeGroup(layout: CgroupLayout, dir: string, budgets: CpuBudget[]): void {
  for (const b of budgets) {
    // A group with processes cannot be removed: move stragglers to the root group.
    for (const pid of b.pids()) {
      try {
        write(path.join(layout.base, "cgroup.procs"), String(pid));
      } catch {
        /* it exited meanwhile */
      }
    }
    rmGroupDir(b.dir);
  }
  rmGroupDir(dir);
}

/**
 * cgroupfs removes a group with rmdir although it "contains" its control files; a plain folder
 * standing in for it (the tests) needs a recursive remove, which cgroupfs would refuse.
 */
function rmGroupDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTEMPTY") fs.rmSync(dir, { recursive: true, force: true });
    else throw err;
  }
}

function mkdir(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    throw new CgroupError(
      `cannot create the cgroup ${dir} (${code}): --node-cpu needs a writable cpu cgroup controller ` +
        `(run as root, or in a container with a writable /sys/fs/cgroup)`,
    );
  }
}

function write(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CgroupError(
      `cannot write "${value}" to ${file} (${code}): --node-cpu needs a writable cpu cgroup controller`,
    );
  }
}
