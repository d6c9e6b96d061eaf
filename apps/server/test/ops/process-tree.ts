/** The process tree under a pid, read from /proc (launcher tests: what a command left running). */
import fs from "node:fs";

export interface Proc {
  pid: number;
  ppid: number;
  comm: string;
}

function readStat(pid: number): Proc | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return undefined; // exited, only waiting to be reaped
    return { pid, ppid: Number(fields[1]), comm: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")) };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (not `root` itself). */
export function descendants(root: number): Proc[] {
  const all: Proc[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const p = readStat(Number(name));
    if (p) all.push(p);
  }
  const out: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of all) {
      if (p.ppid === parent) {
        out.push(p);
        queue.push(p.pid);
      }
    }
  }
  return out;
}

/** Which of these processes still run (same pid, not a zombie). */
export function stillRunning(procs: Proc[]): Proc[] {
  return procs.filter((p) => readStat(p.pid)?.comm === p.comm);
}

/** SIGKILL whatever of these still runs (test clean-up). */
export function killAll(procs: Proc[]): void {
  for (const p of stillRunning(procs)) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
