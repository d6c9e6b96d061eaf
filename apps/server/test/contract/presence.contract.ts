/**
 * What every Presence (cluster/presence.ts) promises, whichever store holds it: a user is online
 * while any of their devices is connected, "came online" / "went offline" are answered exactly
 * by the device that changed it, and (shared implementations) a node's devices count on every
 * node until it leaves or dies.
 */
import { expect } from "chai";
import type { Presence } from "../../src/cluster/presence.ts";
import { eventually } from "../support/wait.ts";
import type { SeamFixture, SeamTraits } from "./fixture.ts";

/** Heartbeat TTL the Redis fixture uses, so a dead node's devices lapse within a test. */
export const PRESENCE_TTL_SECONDS = 1;

export function presenceContract(make: () => Promise<SeamFixture<Presence>>, traits: SeamTraits) {
  let fx: SeamFixture<Presence>;
  let p: Presence;
  beforeEach(async () => {
    fx = await make();
    p = fx.impl;
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it("a user never seen is offline with no last_seen", async () => {
    expect(await p.get(41)).to.deep.equal({ user_id: 41, online: false, last_seen: null });
  });

  it("the first device brings the user online, a second one does not again", async () => {
    expect(await p.connect(1, "laptop")).to.equal(true);
    expect(await p.connect(1, "phone")).to.equal(false);
    expect(await p.get(1)).to.deep.equal({ user_id: 1, online: true, last_seen: null });
  });

  it("only the last device to leave takes the user offline, and stamps last_seen", async () => {
    await p.connect(1, "laptop");
    await p.connect(1, "phone");
    expect(await p.disconnect(1, "laptop")).to.equal(false);
    expect((await p.get(1)).online).to.equal(true);
    const before = Date.now();
    expect(await p.disconnect(1, "phone")).to.equal(true);
    const state = await p.get(1);
    expect(state.online).to.equal(false);
    expect(Date.parse(state.last_seen!)).to.be.within(before - 1000, Date.now() + 1000);
  });

  it("a device that is not connected (or left already) changes nothing", async () => {
    expect(await p.disconnect(1, "ghost")).to.equal(false);
    await p.connect(1, "laptop");
    expect(await p.disconnect(1, "ghost")).to.equal(false);
    expect(await p.disconnect(1, "laptop")).to.equal(true);
    expect(await p.disconnect(1, "laptop")).to.equal(false);
  });

  it("users are independent of each other", async () => {
    await p.connect(1, "laptop");
    expect((await p.get(2)).online).to.equal(false);
    expect(await p.connect(2, "laptop")).to.equal(true);
    expect(await p.disconnect(1, "laptop")).to.equal(true);
    expect((await p.get(2)).online).to.equal(true);
  });

  if (!traits.cluster) return;

  it("devices on two nodes: online while either holds one, offline when the last leaves", async () => {
    const b = (await fx.otherNode!()).impl;
    expect(await p.connect(7, "a-laptop")).to.equal(true);
    expect(await b.connect(7, "b-phone")).to.equal(false);
    expect(await p.disconnect(7, "a-laptop")).to.equal(false);
    expect((await p.get(7)).online).to.equal(true);
    expect(await b.disconnect(7, "b-phone")).to.equal(true);
    expect((await p.get(7)).online).to.equal(false);
  });

  it("a node that leaves (close) takes its devices offline at once", async () => {
    const b = (await fx.otherNode!()).impl;
    await b.connect(8, "b-phone");
    expect((await p.get(8)).online).to.equal(true);
    await b.close();
    expect((await p.get(8)).online).to.equal(false);
  });

  it("a dead node's devices stop counting once its heartbeat lapses, with nobody cleaning up", async function () {
    this.timeout(5000 + PRESENCE_TTL_SECONDS * 1000);
    const b = await fx.otherNode!();
    await b.impl.connect(9, "b-phone");
    expect((await p.get(9)).online).to.equal(true);
    b.crash();
    await eventually(
      async () => expect((await p.get(9)).online).to.equal(false),
      3000 + PRESENCE_TTL_SECONDS * 1000,
    );
    // And the user's next device is told it brought them online.
    expect(await p.connect(9, "a-laptop")).to.equal(true);
  });
}
