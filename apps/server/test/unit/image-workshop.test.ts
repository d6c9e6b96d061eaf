/** ImageWorkshop (storage/file-checks.ts): at most `slots` jobs at once, `queue` waiting, the rest refused. */
import { expect } from "chai";
import { AppError } from "@chat/protocol";
import { ImageWorkshop } from "../../src/storage/file-checks.ts";

describe("unit: image workshop", () => {
  it("runs at most its slots at once, queues up to its queue, refuses the rest as retryable", async () => {
    const w = new ImageWorkshop(2, 3);
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const job = () =>
      w.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
        return "done";
      });
    const accepted = Array.from({ length: 5 }, job);
    const refused = await job().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(AppError);
    expect([(refused as AppError).code, (refused as AppError).retryable]).to.deep.equal([
      "unavailable",
      true,
    ]);
    // Release one at a time: each finished job hands its slot to the next waiting one.
    for (let released = 0; released < 5; released++) {
      await new Promise((r) => setImmediate(r));
      expect(running).to.be.at.most(2);
      gates.shift()!();
    }
    expect(await Promise.all(accepted)).to.deep.equal(Array(5).fill("done"));
    expect(most).to.equal(2);
    // A failing job frees its slot too.
    await w.run(async () => Promise.reject(new Error("boom"))).catch(() => undefined);
    expect(await w.run(async () => "after")).to.equal("after");
  });
});
