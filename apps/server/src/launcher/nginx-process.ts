/**
 * Runs the project's own nginx.conf for tests, the bench and `pnpm cluster`: only the `listen` ports, the upstream `server`
 * lines, the certificate paths, the pid file and the temp paths are rewritten; everything else is the shipped file.
 * Without `tls` the HTTPS listener, the ssl_* lines and the redirect to HTTPS are dropped: plain HTTP proxies as before.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../src/store/free-port.ts";
import { ROOT_DIR } from "./paths.ts";
import type { TlsFiles } from "./dev-cert.ts";

export interface NginxProcess {
  /** http://127.0.0.1:<port>: with TLS only /healthz answers there, the rest redirects to `httpsUrl`. */
  url: string;
  port: number;
  /** With TLS: https://localhost:<httpsPort> (the development certificate names localhost). */
  httpsUrl?: string;
  httpsPort?: number;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** The plain HTTP port. @default a free port */
  port?: number;
  /** Serve HTTPS with this certificate (and redirect plain HTTP to it). @default plain HTTP only */
  tls?: TlsFiles & {
    /** @default a free port */
    port?: number;
  };
}

const NGINX_BIN = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => fs.existsSync(p)) ?? "nginx";

type RenderTls = TlsFiles & { port: number };

function renderNginxConf(
  listenPort: number,
  upstreamPorts: number[],
  prefix: string,
  tls?: RenderTls,
): string {
  const src = renderTls(fs.readFileSync(path.join(ROOT_DIR, "nginx.conf"), "utf8"), tls);
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

/** The TLS lines for this run: rewritten for its port and certificate, or dropped for plain HTTP. */
function renderTls(src: string, tls: RenderTls | undefined): string {
  const tlsLines = [
    /^\s*listen 443 ssl[^;]*;\n/m,
    /^\s*ssl_certificate [^;]+;\n/m,
    /^\s*ssl_certificate_key [^;]+;\n/m,
    // The redirect, in every location that proxies (global: all of them).
    /^\s*if \(\$scheme = http\) \{ return 301 https:\/\/\$host\$request_uri; \}\n/gm,
  ];
  for (const re of tlsLines) {
    if (src.search(re) < 0)
      throw new Error(`nginx.conf no longer has the TLS line the renderer expects: ${re}`);
  }
  if (!tls) {
    // ssl_protocols and the like stay: they only act on an ssl listener, and there is none.
    return tlsLines.reduce((s, re) => s.replace(re, ""), src);
  }
  return src
    .replace(tlsLines[0], (l) => l.replace("listen 443", `listen 127.0.0.1:${tls.port}`))
    .replace(tlsLines[1], (l) => l.replace(/ssl_certificate [^;]+;/, `ssl_certificate ${tls.certFile};`))
    .replace(tlsLines[2], (l) =>
      l.replace(/ssl_certificate_key [^;]+;/, `ssl_certificate_key ${tls.keyFile};`),
    )
    .replace(tlsLines[3], (l) =>
      l.replace("https://$host$request_uri", `https://$host:${tls.port}$request_uri`),
    );
}

export async function startNginx(upstreamPorts: number[], opts: NginxOptions = {}): Promise<NginxProcess> {
  const port = opts.port ?? (await freePort());
  const tls = opts.tls ? { ...opts.tls, port: opts.tls.port ?? (await freePort()) } : undefined;
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "chat-nginx-"));
  const conf = path.join(prefix, "nginx.conf");
  fs.writeFileSync(conf, renderNginxConf(port, upstreamPorts, prefix, tls));
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
    ...(tls ? { httpsUrl: `https://localhost:${tls.port}`, httpsPort: tls.port } : {}),
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
