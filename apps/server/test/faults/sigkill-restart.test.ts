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

describe("faults: SIGKILL a node under traffic, then start it again", function () {
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

  it("devices on the killed node move to the others, catch up through sync, and nothing acked is lost or doubled", async () => {
    const traffic = startTraffic(w);
    await sleep(1000);
    const victim = c.nodes[1];
    await victim.kill("SIGKILL");
    await sleep(2000); // traffic goes on through the other nodes meanwhile
    c.nodes[1] = await spawnTestNode({ ...c.env, PORT: String(victim.port), NODE_ID: "f2b" });
    await sleep(1000);
    await traffic.stop();
    const r = await reconcile(c, w, traffic.stats, 30_000);
    console.log(`      sigkill + restart: ${JSON.stringify(r)}`);
    expect(traffic.stats.failed, traffic.stats.errors.join("\n")).to.equal(0);
    expect(r).to.include({ lost: 0, doubled: 0, outOfOrder: 0 });
  });
});
