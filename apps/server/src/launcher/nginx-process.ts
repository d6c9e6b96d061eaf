/**
 * Runs the project's own nginx.conf for tests, the bench and `pnpm cluster`: only the `listen` port, the upstream `server`
 * lines, the pid file and the temp paths are rewritten; everything else is the shipped file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../src/store/free-port.ts";
import { ROOT_DIR } from "./paths.ts";

export interface NginxProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const NGINX_BIN = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => fs.existsSync(p)) ?? "nginx";

function renderNginxConf(listenPort: number, upstreamPorts: number[], prefix: string): string {
  const src = fs.readFileSync(path.join(ROOT_DIR, "nginx.conf"), "utf8");
  const servers = upstreamPorts
    .map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`)
    .join("\n    ");
  const out = src
    .replace(/^(\s*)listen \d+;/m, `$1listen 127.0.0.1:${listenPort};`)
    .replace(/^\s*server app:3000[^;]*;/m, `    ${servers}`)
    .replace(/^pid [^;]+;/m, `pid ${prefix}/nginx.pid;`)
    .replace(/^worker_processes [^;]+;/m, "worker_processes 1;")
    // Node gives a child's stdio as a socket, which open("/dev/stderr") refuses (ENXIO); nginx's
    // own `stderr` target writes to fd 2 directly.
    .replace(/^error_log \/dev\/stderr/m, "error_log stderr")
    .replace(
      /^http \{/m,
      `http {\n  client_body_temp_path ${prefix}/body;\n  proxy_temp_path ${prefix}/proxy;\n  fastcgi_temp_path ${prefix}/fastcgi;\n  uwsgi_temp_path ${prefix}/uwsgi;\n  scgi_temp_path ${prefix}/scgi;`,
    );
  if (!out.includes(`127.0.0.1:${listenPort}`) || !out.includes(`127.0.0.1:${upstreamPorts[0]}`)) {
    throw new Error("nginx.conf no longer has the listen/server lines the test renderer expects");
  }
  return out;
}

export async function startNginx(upstreamPorts: number[], listenPort?: number): Promise<NginxProcess> {
  const port = listenPort ?? (await freePort());
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "chat-nginx-"));
  const conf = path.join(prefix, "nginx.conf");
  fs.writeFileSync(conf, renderNginxConf(port, upstreamPorts, prefix));
  const proc: ChildProcess = spawn(NGINX_BIN, ["-c", conf, "-p", prefix, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      // exitCode stays null for a process ended by a signal (e.g. Ctrl-C reached it): check both.
      if (proc.exitCode === null && proc.signalCode === null) {
        await new Promise<void>((r) => {
          proc.once("exit", () => r());
          proc.kill("SIGQUIT");
        });
      }
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
