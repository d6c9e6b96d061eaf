import { expect } from "chai";
import { AckError } from "@chat/client";
import {
  buildWorld,
  reconcile,
  startFaultCluster,
  startTraffic,
  type FaultCluster,
  type World,
} from "./fault-harness.ts";
import { eventually, sleep } from "../support/wait.ts";

describe("faults: PostgreSQL stops, then starts, under traffic", function () {
  this.timeout(120_000);
  let c: FaultCluster;
  let w: World;
  before(async () => {
    c = await startFaultCluster({ ownPostgres: true });
    w = await buildWorld(c);
  });
  after(async () => {
    w?.close();
    await c?.stop();
  });

  it("refuses sends with a retryable error (never a false ok); clients retry the same client_id; nothing doubles", async () => {
    const traffic = startTraffic(w);
    await sleep(1500);
    await c.postgres!.stop();
    // A send now is refused with a retryable code, not acked.
    const probe = w.devices[0];
    const chat = w.chats[0].id;
    const err = await probe.socket
      .request("message:send", { chat_id: chat, client_id: crypto.randomUUID(), text: "while down" })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(AckError);
    expect((err as AckError).code).to.equal("unavailable");
    await eventually(
      async () => expect((await fetch(`${c.nodes[0].url}/readyz`)).status).to.equal(503),
      10_000,
    );
    await sleep(2000);
    await c.postgres!.start();
    await eventually(
      async () => expect((await fetch(`${c.nodes[0].url}/readyz`)).status).to.equal(200),
      20_000,
    );
    await sleep(2000);
    await traffic.stop();
    for (const n of c.nodes)
      expect(n.proc.exitCode, `node exited:\n${n.logs.slice(-15).join("\n")}`).to.equal(null);
    const r = await reconcile(c, w, traffic.stats, 30_000);
    console.log(`      postgres outage: ${JSON.stringify(r)}`);
    expect(traffic.stats.failed, traffic.stats.errors.join("\n")).to.equal(0);
    expect(r).to.include({ lost: 0, doubled: 0, outOfOrder: 0 });
  });
});
