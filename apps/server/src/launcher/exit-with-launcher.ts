/**
 * A started process stops when whatever launched it goes away, so `SIGTERM` to the process a README
 * command started (npx → pnpm → sh → node …) leaves nothing behind.
 *
 * Two kinds of launcher are watched:
 * - A process of ours that spawned this one with an IPC channel (the cluster launcher, the tests):
 *   the channel closes when that process exits, however it exits (even SIGKILL).
 * - The package-manager chain of `npx pnpm start` / `pnpm cluster`: npm, pnpm and the shells they
 *   run scripts in do not pass a SIGTERM on to their children, and when the top one dies the others
 *   live on as orphans. Every process of that chain carries the variables a package manager sets
 *   for its scripts (npm_lifecycle_event, npm_command); the process that started the chain (npx,
 *   pnpm typed in a shell) is the first ancestor without them. Those ancestors are polled; when one
 *   has gone, so does this process. The chain stops there, so a shell that ran `nohup npx … &` and
 *   logged out does not count, and a node started directly (docker, systemd, k8s) watches nothing.
 */
import fs from "node:fs";

export interface LauncherWatch {
  /** The ancestors watched (pid, top last); empty when started directly or off Linux. */
  ancestors: number[];
  stop(): void;
}

const POLL_MS = 500;

export function exitWithLauncher(onGone: (reason: string) => void): LauncherWatch {
  let fired = false;
  const fire = (reason: string) => {
    if (fired) return;
    fired = true;
    watch.stop();
    onGone(reason);
  };

  const onDisconnect = () => fire("launcher closed the IPC channel");
  if (process.channel) {
    process.once("disconnect", onDisconnect);
    // The channel alone must not keep this process alive once it is done.
    process.channel.unref();
  }

  const ancestors = launchChain(process.pid);
  const started = new Map(ancestors.map((pid) => [pid, startTime(pid)]));
  const timer =
    ancestors.length > 0
      ? setInterval(() => {
          for (const [pid, start] of started) {
            // A recycled pid has another start time: the launcher is gone all the same.
            if (startTime(pid) !== start) return fire(`launcher pid ${pid} exited`);
          }
        }, POLL_MS)
      : undefined;
  timer?.unref();

  const watch: LauncherWatch = {
    ancestors,
    stop: () => {
      if (timer) clearInterval(timer);
      process.off("disconnect", onDisconnect);
    },
  };
  return watch;
}

/** The package-manager ancestors of `pid`, nearest first, up to and including the chain's starter. */
function launchChain(pid: number): number[] {
  const chain: number[] = [];
  let current = pid;
  while (isPackageManagerChild(current)) {
    const parent = stat(current)?.ppid;
    if (!parent || parent <= 1) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

function isPackageManagerChild(pid: number): boolean {
  const env = environ(pid);
  return env.has("npm_lifecycle_event") || env.has("npm_command");
}

function environ(pid: number): Set<string> {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
    return new Set(raw.split("\0").map((kv) => kv.slice(0, kv.indexOf("="))));
  } catch {
    return new Set(); // not Linux, or not ours to read: nothing to follow
  }
}

/** Undefined once the process is gone (or a zombie nobody has reaped yet). */
function startTime(pid: number): string | undefined {
  const s = stat(pid);
  return s && s.state !== "Z" && s.state !== "X" ? s.start : undefined;
}

/** /proc/<pid>/stat: "pid (comm) state ppid … starttime(22nd field) …"; comm may hold spaces. */
function stat(pid: number): { state: string; ppid: number; start: string } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return undefined;
  }
}
