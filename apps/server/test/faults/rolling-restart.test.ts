import { expect } from "chai";
import { spawnTestNode } from "../support/node.ts";
import { sleep } from "../support/wait.ts";
import { faultScenario } from "./fault-harness.ts";

faultScenario(
  "faults: rolling restart of every node under traffic (SIGTERM, one at a time)",
  "each node drains and exits 0, devices move and come back, and no acked message is lost or doubled",
  { timeoutMs: 180_000 },
  async (c) => {
    for (let i = 0; i < c.nodes.length; i++) {
      const old = c.nodes[i];
      const code = await old.kill("SIGTERM");
      expect(code, `node ${i + 1} exit code:\n${old.logs.slice(-10).join("\n")}`).to.equal(0);
      // The replacement comes back on the same address, as a redeployed replica behind a balancer would.
      c.nodes[i] = await spawnTestNode({ ...c.env, PORT: String(old.port), NODE_ID: `f${i + 1}b` });
      await sleep(800);
    }
  },
);
