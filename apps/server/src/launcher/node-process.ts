/** A chat node as a child process, started exactly as `pnpm start` starts one (`node --import tsx src/main.ts`). */
import { spawn, type ChildProcess } from "node:child_process";
import { SERVER_DIR } from "./paths.ts";

export interface NodeProcess {
  port: number;
  url: string;
  proc: ChildProcess;
  /** Everything the node logged (JSON lines). */
  logs: string[];
  /** Sends the signal (default SIGTERM) and resolves with the exit code once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a node with the given environment; resolves once it listens. */
export async function spawnNode(
  env: Record<string, string>,
  /**
   * `startTimeoutMs`: how long it may take to listen. @default 30000
   * `onSpawn`: called with the pid right after spawn, before the node runs any of its own code
   * (e.g. to put it into a CPU-budget cgroup); if it throws, the node is killed and the start fails.
   */
  opts: { nodeArgs?: string[]; startTimeoutMs?: number; onSpawn?: (pid: number) => void } = {},
): Promise<NodeProcess> {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", "src/main.ts"], {
    cwd: SERVER_DIR,
    env: { ...process.env, HOST: "127.0.0.1", ...env },
    // The IPC channel is how the node knows its launcher is gone (it closes however the launcher
    // dies) and stops itself: see exit-with-launcher.ts.
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const logs: string[] = [];
  let buf = "";
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  if (opts.onSpawn) {
    try {
      opts.onSpawn(proc.pid!);
    } catch (err) {
      proc.kill("SIGKILL");
      await exited;
      throw err;
    }
  }
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`node did not start:\n${logs.join("\n")}`)),
      opts.startTimeoutMs ?? 30_000,
    );
    proc.stdout!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        if (logs.length > 5000) logs.shift();
        logs.push(line);
        const m = /"port":(\d+)[^\n]*listening/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    });
    proc.stderr!.on("data", (c: Buffer) => logs.push(c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${code}) before listening:\n${logs.join("\n")}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    logs,
    kill: async (signal = "SIGTERM") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
