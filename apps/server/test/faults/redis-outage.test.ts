import { expect } from "chai";
import {
  buildWorld,
  reconcile,
  startFaultCluster,
  startTraffic,
  type FaultCluster,
  type World,
} from "./fault-harness.ts";
import { eventually, sleep } from "../support/wait.ts";

describe("faults: Redis stops for seconds under traffic", function () {
  this.timeout(90_000);
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

  it("nodes stay up, report degraded, and every acked message reaches every device once, in order", async () => {
    const traffic = startTraffic(w);
    await sleep(1500);
    await c.redis.stop();
    // Readiness says so while Redis is away; liveness does not flap.
    await eventually(async () => {
      const r = await fetch(`${c.nodes[1].url}/readyz`);
      expect(r.status).to.equal(200); // still serving: not taken out of rotation
      expect(((await r.json()) as { status: string }).status).to.equal("degraded");
    }, 10_000);
    expect((await fetch(`${c.nodes[1].url}/healthz`)).status).to.equal(200);
    await sleep(2500);
    await c.redis.start();
    await eventually(
      async () =>
        expect(
          ((await (await fetch(`${c.nodes[1].url}/readyz`)).json()) as { status: string }).status,
        ).to.equal("ok"),
      15_000,
    );
    await sleep(1500);
    await traffic.stop();
    for (const n of c.nodes)
      expect(n.proc.exitCode, `node exited:\n${n.logs.slice(-15).join("\n")}`).to.equal(null);
    expect(
      c.nodes.some((n) => n.logs.some((l) => /redis connection error/.test(l))),
      "outage logged",
    ).to.equal(true);
    const r = await reconcile(c, w, traffic.stats);
    console.log(`      redis outage: ${JSON.stringify(r)}`);
    expect(traffic.stats.failed, traffic.stats.errors.join("\n")).to.equal(0);
    expect(r).to.include({ lost: 0, doubled: 0, outOfOrder: 0 });
    expect(r.acked).to.be.greaterThan(20);
  });
});
