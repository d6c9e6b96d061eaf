import { expect } from "chai";
import { ApiClient } from "@chat/client";
import { launchCluster, type Cluster } from "../../src/launcher/cluster.ts";
import { freshDatabase } from "../support/db.ts";
import { NO_RATE_LIMITS } from "../support/node.ts";
import { eventually } from "../support/wait.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("pnpm cluster's launcher", function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  after(async () => {
    await cluster?.stop();
  });

  it("starts 2 nodes, Redis and nginx on one database, serves through nginx, and stops every process", async () => {
    cluster = await launchCluster({
      nodes: 2,
      databaseUrl: await freshDatabase(),
      env: { BCRYPT_COST: "4", NODE_ENV: "test", ...NO_RATE_LIMITS },
    });
    expect(cluster.nodes.map((n) => n.id)).to.deep.equal(["node-1", "node-2"]);
    const health = await fetch(`${cluster.url}/healthz`);
    expect(health.status).to.equal(200);

    // One generated secret for all: a token issued by node-1 is accepted by node-2.
    const one = new ApiClient(cluster.nodes[0].url);
    await one.register("Ann", "ann@example.test", "correct horse battery");
    const token = await one.login("ann@example.test", "correct horse battery");
    const me = await new ApiClient(cluster.nodes[1].url, { token }).call("me");
    expect(me.email).to.equal("ann@example.test");

    // A browser on the page nginx serves may open a socket (same-origin check sees nginx's host:port).
    const port = new URL(cluster.url).port;
    const handshake = await fetch(`${cluster.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: `http://127.0.0.1:${port}` },
    });
    expect(handshake.status).to.equal(200);
    const foreign = await fetch(`${cluster.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: "http://evil.example" },
    });
    expect(foreign.status).to.equal(403);

    const pids = [...cluster.nodes.map((n) => n.pid), cluster.redis!.pid!, cluster.nginx!.pid!];
    expect(pids.every(alive)).to.equal(true);
    await cluster.stop();
    await eventually(() => expect(pids.filter(alive)).to.deep.equal([]), 5000);
    const after = await fetch(`${cluster.url}/healthz`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(after).to.equal("refused");
  });
});
