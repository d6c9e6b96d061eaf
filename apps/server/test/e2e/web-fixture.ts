/**
 * The browser tests' world: a private Redis, one fresh database, two nodes as child processes
 * (`src/main.ts`, as `pnpm start` runs them), the project's nginx in front of both, and Debian's
 * Chromium. The web client is built first if apps/web/dist is missing.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { WEB_DIST } from "../../src/node.ts";
import { freshDatabase } from "../support/db.ts";
import { ROOT_DIR, spawnTestNode } from "../support/node.ts";
import { launchChromium, type Browser } from "../../../web/test/browser.ts";

export interface WebWorld {
  /** The nodes' database (tests that set up in bulk write to it directly). */
  databaseUrl: string;
  redis: RedisProcess;
  nodes: NodeProcess[];
  nginx: NginxProcess;
  browser: Browser;
  stop(): Promise<void>;
}

/** Newest modification time under a folder (the web client's sources). */
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Builds apps/web when dist is missing or older than its sources (src/, public/, index.html), so the tests see the current client. */
export function ensureWebBuild(): void {
  const web = path.join(ROOT_DIR, "apps/web");
  const index = path.join(ROOT_DIR, WEB_DIST, "index.html");
  const publicDir = path.join(web, "public");
  const sources = Math.max(
    newest(path.join(web, "src")),
    fs.existsSync(publicDir) ? newest(publicDir) : 0,
    fs.statSync(path.join(web, "index.html")).mtimeMs,
  );
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return;
  execFileSync(path.join(web, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], {
    cwd: web,
    stdio: "inherit",
  });
}

/** `env`: extra environment of both nodes (e.g. TEST_ACCESS_TOKEN_SECONDS). */
export async function startWebWorld(env: Record<string, string> = {}): Promise<WebWorld> {
  ensureWebBuild();
  const redis = await startRedis();
  const nodes: NodeProcess[] = [];
  let nginx: NginxProcess | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
    await redis.stop();
  };
  try {
    const nodeEnv = {
      ...env,
      DATABASE_URL: await freshDatabase(),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `web-${crypto.randomUUID().slice(0, 8)}`,
      PORT: "0",
      TRUST_PROXY_HOPS: "1", // behind nginx, as deployed
    };
    nodes.push(await spawnTestNode({ ...nodeEnv, NODE_ID: "w1" }));
    const [n2, br] = await Promise.all([spawnTestNode({ ...nodeEnv, NODE_ID: "w2" }), launchChromium()]);
    nodes.push(n2);
    browser = br;
    nginx = await startNginx(nodes.map((n) => n.port));
    return { databaseUrl: nodeEnv.DATABASE_URL, redis, nodes, nginx, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Which node nginx sends this machine's requests to (it hashes the client address, and every
 * browser here is 127.0.0.1): open an Engine.IO session through nginx, then find the node that
 * knows its id (closing the session again with a "close" packet).
 */
export async function nodeBehindNginx(w: WebWorld): Promise<NodeProcess> {
  const open = await fetch(`${w.nginx.url}/socket.io/?EIO=4&transport=polling`).then((r) => r.text());
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
  for (const n of w.nodes) {
    const r = await fetch(`${n.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: "1",
    });
    if (r.ok) return n;
  }
  throw new Error("no node knows the session opened through nginx");
}
