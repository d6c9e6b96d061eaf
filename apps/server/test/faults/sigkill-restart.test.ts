import { spawnTestNode } from "../support/node.ts";
import { sleep } from "../support/wait.ts";
import { faultScenario } from "./fault-harness.ts";

faultScenario(
  "faults: SIGKILL a node under traffic, then start it again",
  "devices on the killed node move to the others, catch up through sync, and nothing acked is lost or doubled",
  {},
  async (c) => {
    const victim = c.nodes[1];
    await victim.kill("SIGKILL");
    await sleep(2000); // traffic goes on through the other nodes meanwhile
    c.nodes[1] = await spawnTestNode({ ...c.env, PORT: String(victim.port), NODE_ID: "f2b" });
  },
);
