/** A private redis-server on a free port (tests, bench, `pnpm cluster`); stop() kills it. */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { freePort } from "../../src/store/free-port.ts";
import type { TlsFiles } from "./dev-cert.ts";

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

export interface RedisOptions {
  /**
   * TLS only (the plain port is off): the URL is `rediss://`, and clients must trust `certFile`
   * (REDIS_TLS_CA_FILE). Clients are not asked for a certificate. @default plain TCP
   */
  tls?: TlsFiles;
}

export async function startRedis(opts: RedisOptions = {}): Promise<RedisProcess> {
  const port = await freePort();
  const listen = opts.tls
    ? [
        ...["--port", "0", "--tls-port", String(port)],
        ...["--tls-cert-file", opts.tls.certFile, "--tls-key-file", opts.tls.keyFile],
        ...["--tls-ca-cert-file", opts.tls.certFile, "--tls-auth-clients", "no"],
      ]
    : ["--port", String(port)];
  let proc: ChildProcess | undefined;
  const start = async () => {
    let output = "";
    proc = spawn("redis-server", [...listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // redis-server logs to stdout; a build without TLS stops at once, saying so.
    for (const s of [proc.stdout!, proc.stderr!])
      s.on("data", (c: Buffer) => (output = (output + c).slice(-4000)));
    const exited = new Promise<never>((_, reject) =>
      proc!.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${output.trim()}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
  };
  await start();
  return {
    url: `${opts.tls ? "rediss" : "redis"}://127.0.0.1:${port}`,
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
