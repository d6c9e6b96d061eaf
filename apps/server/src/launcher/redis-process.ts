/** A private redis-server on a free port (tests, bench, `pnpm cluster`); stop() kills it. */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { freePort } from "../../src/store/free-port.ts";

export interface RedisProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Start it again on the same port (after stop) — for outage tests. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a stalled (not refused) Redis — for outage tests. */
  pause(): void;
  resume(): void;
}

async function waitForPort(port: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    await waitForPort(port);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    pause: () => void proc?.kill("SIGSTOP"),
    resume: () => void proc?.kill("SIGCONT"),
    stop: async () => {
      // exitCode stays null for a process ended by a signal: check both, or this waits forever.
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const p = proc;
      await new Promise<void>((r) => {
        p.once("exit", () => r());
        p.kill("SIGKILL"); // ends a paused (SIGSTOPped) server too
      });
    },
  };
}
