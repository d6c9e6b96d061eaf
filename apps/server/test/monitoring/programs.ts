/**
 * The monitoring profile's programs (Debian's prometheus, prometheus-redis-exporter,
 * prometheus-postgres-exporter) as private child processes of a test: each on a free port of
 * 127.0.0.1 with its own data folder, never a system-wide instance (the packages' own services,
 * where systemd started them, are left alone). stop() ends it and waits for its exit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../src/store/free-port.ts";
import { sleep } from "../support/wait.ts";

export interface Program {
  name: string;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  proc: ChildProcess;
  /** The last lines it printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `command` with `args(port)` on a free port, then waits until `readyPath` answers 200.
 * @param readyPath e.g. /-/ready (Prometheus) or /metrics (the exporters)
 */
export async function startProgram(o: {
  name: string;
  command: string;
  args: (port: number) => string[];
  env?: Record<string, string>;
  readyPath: string;
  timeoutMs?: number;
}): Promise<Program> {
  const port = await freePort();
  const proc = spawn(o.command, o.args(port), {
    env: { ...process.env, ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  for (const s of [proc.stdout!, proc.stderr!]) s.on("data", (c: Buffer) => (out = (out + c).slice(-6000)));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const program: Program = {
    name: o.name,
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`${o.name} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${out}`);
    const ok = await fetch(program.url + o.readyPath, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return program;
    if (Date.now() > deadline) {
      await program.stop();
      throw new Error(`${o.name} was not ready on ${program.url}${o.readyPath} in time:\n${out}`);
    }
    await sleep(100);
  }
}
