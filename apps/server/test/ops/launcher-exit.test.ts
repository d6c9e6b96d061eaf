import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { freePort } from "../../src/store/free-port.ts";
import { SERVER_DIR } from "../../src/launcher/paths.ts";
import { freshDatabase } from "../support/db.ts";
import { NO_RATE_LIMITS, ROOT_DIR, TEST_SECRET } from "../support/node.ts";
import { eventually } from "../support/wait.ts";
import { descendants, killAll, stillRunning, type Proc } from "./process-tree.ts";

/**
 * Issue 12 item 13(b): SIGTERM to the one process the README's command started (npx) must stop the
 * whole stack it launched — pnpm, the shells, the node(s), embedded PostgreSQL, Redis, nginx — and a
 * node whose launcher is SIGKILLed stops too. Before, npx died alone and everything else ran on.
 */
describe("the stack stops with the process that launched it", function () {
  this.timeout(180_000);
  const leftovers: Proc[] = [];
  const tops: ChildProcess[] = [];
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chat-launcher-exit-"));
    fs.chmodSync(tmp, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  });
  after(() => {
    killAll(leftovers);
    for (const t of tops) if (t.exitCode === null && t.signalCode === null) t.kill("SIGKILL");
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The environment of a person's shell: none of the variables the test runner's pnpm set. */
  function shellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (/^(npm_|PNPM_|pnpm_|TEST_|DATABASE_URL$|REDIS_URL$|NODE_ENV$|NODE_OPTIONS$|PORT$)/.test(k))
        continue;
      env[k] = v;
    }
    return { ...env, ...extra };
  }

  /** Runs a README command as its own process group; resolves once `ready` matches its output. */
  async function runCommand(args: string[], env: Record<string, string>, ready: RegExp) {
    const top = spawn("npx", ["-y", "pnpm@12.21.0", ...args], {
      cwd: ROOT_DIR,
      env: shellEnv(env),
      detached: true, // a process group of its own, as a terminal gives a command
      stdio: ["ignore", "pipe", "pipe"],
    });
    tops.push(top);
    let out = "";
    top.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    top.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = ready.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(m);
        } else if (top.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`${args.join(" ")} exited (${top.exitCode}):\n${out}`));
        }
      }, 100);
    });
    const tree = descendants(top.pid!);
    leftovers.push(...tree);
    return { top, tree, match, output: () => out };
  }

  async function assertAllGone(tree: Proc[], ports: number[], output: () => string) {
    const t0 = Date.now();
    await eventually(
      async () => {
        expect(
          stillRunning(tree).map((p) => `${p.pid} ${p.comm}`),
          `still running after SIGTERM to the top process:\n${output().slice(-3000)}`,
        ).to.deep.equal([]);
        for (const port of ports) expect(await listening(port), `port ${port} still open`).to.equal(false);
      },
      15_000,
      200,
    );
    return Date.now() - t0;
  }

  it("`npx -y pnpm@12.21.0 start`: node and embedded PostgreSQL stop, nothing is orphaned", async () => {
    const dataDir = path.join(tmp, "start");
    const run = await runCommand(
      ["start"],
      { PORT: "0", DATA_DIR: dataDir },
      /listening on http:\/\/localhost:(\d+) — database: embedded PostgreSQL on 127\.0\.0\.1:(\d+)/,
    );
    const [, nodePort, pgPort] = run.match.map(Number);
    const comms = run.tree.map((p) => p.comm);
    expect(comms, "the stack").to.include("postgres");
    expect(comms.some((c) => c === "pnpm" || c.startsWith("node") || c === "MainThread")).to.equal(true);

    process.kill(run.top.pid!, "SIGTERM"); // the top process only, not its group
    const ms = await assertAllGone(run.tree, [nodePort, pgPort], run.output);
    expect(run.output()).to.match(/"msg":"stopped"/); // a graceful close, not a kill
    console.log(`      (${run.tree.length} processes gone ${ms} ms after SIGTERM to npx)`);
  });

  it("`npx -y pnpm@12.21.0 cluster`: nodes, Redis and nginx stop, nothing is orphaned", async () => {
    const port = await freePort();
    const run = await runCommand(
      ["cluster", "--", "--nodes", "2", "--port", String(port)],
      { DATABASE_URL: await freshDatabase() },
      /chat cluster up/,
    );
    await eventually(() => expect(run.output()).to.match(/redis +redis:\/\/127\.0\.0\.1:(\d+)/), 5000);
    const redisPort = Number(/redis +redis:\/\/127\.0\.0\.1:(\d+)/.exec(run.output())![1]);
    const nodePorts = [...run.output().matchAll(/node-\d +http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(nodePorts).to.have.length(2);
    const comms = run.tree.map((p) => p.comm);
    expect(comms).to.include("redis-server");
    expect(comms.some((c) => c.startsWith("nginx"))).to.equal(true);

    process.kill(run.top.pid!, "SIGTERM");
    const ms = await assertAllGone(run.tree, [port, redisPort, ...nodePorts], run.output);
    console.log(`      (${run.tree.length} processes gone ${ms} ms after SIGTERM to npx)`);
  });

  it("a node whose launcher is SIGKILLed stops by itself (its IPC channel closes)", async () => {
    const env = {
      NODE_ENV: "test",
      JWT_SECRET: TEST_SECRET,
      BCRYPT_COST: "4",
      LOG_LEVEL: "info",
      PORT: "0",
      DATABASE_URL: await freshDatabase(),
      ...NO_RATE_LIMITS,
    };
    // A launcher like the cluster's: spawns a node through spawnNode, prints its pid, then waits.
    const script = `
      import { spawnNode } from "./src/launcher/node-process.ts";
      const n = await spawnNode(JSON.parse(process.env.NODE_ENV_JSON));
      console.log(JSON.stringify({ pid: n.proc.pid, port: n.port }));
      setInterval(() => {}, 1000);`;
    const launcher = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: SERVER_DIR,
      env: { ...process.env, NODE_ENV_JSON: JSON.stringify(env) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    tops.push(launcher);
    const { pid, port } = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
      let out = "";
      launcher.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /\{"pid":\d+,"port":\d+\}/.exec(out);
        if (m) resolve(JSON.parse(m[0]));
      });
      launcher.once("exit", (code) => reject(new Error(`launcher exited (${code}): ${out}`)));
    });
    const node = descendants(launcher.pid!).filter((p) => p.pid === pid);
    expect(node).to.have.length(1);
    leftovers.push(...node);

    launcher.kill("SIGKILL");
    await assertAllGone(node, [port], () => "");
  });
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}
