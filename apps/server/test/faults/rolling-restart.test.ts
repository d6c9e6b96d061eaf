import { expect } from "chai";
import { spawnTestNode } from "../support/node.ts";
import { sleep } from "../support/wait.ts";
import {
  buildWorld,
  reconcile,
  startFaultCluster,
  startTraffic,
  type FaultCluster,
  type World,
} from "./fault-harness.ts";

describe("faults: rolling restart of every node under traffic (SIGTERM, one at a time)", function () {
  this.timeout(180_000);
  let c: FaultCluster;
  let w: World;
  before(async () => {
    c = await startFaultCluster();
    w = await buildWorld(c);
  });
  after(async () => {
    w?.close();
    await c?.stop();
  });

  it("each node drains and exits 0, devices move and come back, and no acked message is lost or doubled", async () => {
    const traffic = startTraffic(w);
    await sleep(1000);
    for (let i = 0; i < c.nodes.length; i++) {
      const old = c.nodes[i];
      const code = await old.kill("SIGTERM");
      expect(code, `node ${i + 1} exit code:\n${old.logs.slice(-10).join("\n")}`).to.equal(0);
      // The replacement comes back on the same address, as a redeployed replica behind a balancer would.
      c.nodes[i] = await spawnTestNode({ ...c.env, PORT: String(old.port), NODE_ID: `f${i + 1}b` });
      await sleep(800);
    }
    await sleep(1000);
    await traffic.stop();
    const r = await reconcile(c, w, traffic.stats, 30_000);
    console.log(`      rolling restart: ${JSON.stringify(r)}`);
    expect(traffic.stats.failed, traffic.stats.errors.join("\n")).to.equal(0);
    expect(r).to.include({ lost: 0, doubled: 0, outOfOrder: 0 });
  });
});
