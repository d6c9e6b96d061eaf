import { expect } from "chai";
import { eventually, sleep } from "../support/wait.ts";
import { faultScenario } from "./fault-harness.ts";

const readiness = async (url: string) => {
  const r = await fetch(`${url}/readyz`);
  return { status: r.status, body: (await r.json()) as { status: string } };
};

faultScenario(
  "faults: Redis stops for seconds under traffic",
  "nodes stay up, report degraded, and every acked message reaches every device once, in order",
  {},
  async (c) => {
    await c.redis.stop();
    // Readiness says so while Redis is away, but keeps the node in rotation (it still serves).
    await eventually(async () => {
      const r = await readiness(c.nodes[1].url);
      expect(r.status).to.equal(200);
      expect(r.body.status).to.equal("degraded");
    }, 10_000);
    expect((await fetch(`${c.nodes[1].url}/healthz`)).status).to.equal(200);
    await sleep(2500);
    await c.redis.start();
    await eventually(
      async () => expect((await readiness(c.nodes[1].url)).body.status).to.equal("ok"),
      15_000,
    );
    expect(
      c.nodes.some((n) => n.logs.some((l) => /redis connection error/.test(l))),
      "outage logged",
    ).to.equal(true);
  },
);
