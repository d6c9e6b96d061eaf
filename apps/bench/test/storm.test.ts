/**
 * `pnpm bench storm` in small (issue 20, item 3): ~60 devices on node A of 3, node A SIGKILLed
 * under traffic. Asserts what must hold on any machine: every device reconnects to a survivor
 * and catches up within 90 s, and no acked message is lost or delivered twice. Not speed: the
 * figures belong in docs/performance.md.
 */
import { expect } from "chai";
import { benchDatabase } from "./support/database.ts";
import { runStorm } from "../src/storm.ts";
import { stormMarkdown } from "../src/storm-cli.ts";

describe("pnpm bench storm (small)", function () {
  this.timeout(240_000);
  const database = benchDatabase();

  it("60 devices on the SIGKILLed node: all reconnect elsewhere and catch up (< 90 s), 0 lost, none doubled", async () => {
    const r = await runStorm(
      {
        devices: 60,
        devicesPerUser: 2,
        chatSize: 3,
        rate: 20,
        before: 2,
        maxSeconds: 90,
        // Small enough that 60 devices arriving at once are partly shed: the refused ones must get in too.
        nodeEnv: { HANDSHAKE_MAX_IN_FLIGHT: "4", HANDSHAKE_MAX_QUEUED: "4" },
        ...database(),
      },
      () => undefined,
    );
    const report = stormMarkdown(r, "test");
    expect(r.devices, report).to.equal(60);
    expect(r.recovery.notRecovered, report).to.equal(0);
    expect(r.recovery.max, report).to.be.below(90_000);
    expect(r.loss, report).to.deep.equal({ lost: 0, doubled: 0, ok: true });
    expect(r.sends.acked, report).to.be.greaterThan(0);
    expect(r.sends.ackedAfterKill, report).to.be.greaterThan(0);
    expect(r.landedOn["node-1"] ?? 0, report).to.equal(0);
    expect((r.landedOn["node-2"] ?? 0) + (r.landedOn["node-3"] ?? 0), report).to.equal(60);
    expect(
      r.storm.processes.map((p) => p.name),
      report,
    ).to.include.members(["node-2", "node-3"]);
    expect(
      r.storm.processes.map((p) => p.name),
      report,
    ).to.not.include("node-1");
    expect(r.shed.countedBySurvivors, report).to.be.a("number");
  });
});
