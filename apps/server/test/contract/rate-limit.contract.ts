/**
 * What every RateLimiter (cluster/rate-limit.ts) promises: fixed windows counted per (limit, key),
 * a wait answered once over the limit and never past the window, a fresh window after it, a
 * refund that gives back one hit (never below zero), and — shared implementations — one count
 * for all nodes.
 */
import { expect } from "chai";
import { AppError } from "@chat/protocol";
import { enforce, type Limit, type RateLimiter } from "../../src/cluster/rate-limit.ts";
import { sleep } from "../support/wait.ts";
import type { SeamFixture, SeamTraits } from "./fixture.ts";

const WINDOW_MS = 300;
const three: Limit = { name: "contract", max: 3, windowMs: WINDOW_MS };

export function rateLimitContract(make: () => Promise<SeamFixture<RateLimiter>>, traits: SeamTraits) {
  let fx: SeamFixture<RateLimiter>;
  let rl: RateLimiter;
  beforeEach(async () => {
    fx = await make();
    rl = fx.impl;
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it("counts the hits of a window, this one included", async () => {
    expect(await rl.count(three, "k")).to.equal(1);
    expect(await rl.count(three, "k")).to.equal(2);
    expect(await rl.count(three, "k")).to.equal(3);
  });

  it("allows max hits, then answers a wait within the window", async () => {
    for (let i = 0; i < three.max; i++) expect(await rl.hit(three, "k")).to.equal(0);
    const wait = await rl.hit(three, "k");
    expect(wait).to.be.greaterThan(0);
    expect(wait).to.be.at.most(WINDOW_MS);
  });

  it("starts a fresh window once the window has passed", async () => {
    for (let i = 0; i <= three.max; i++) await rl.hit(three, "k");
    expect(await rl.hit(three, "k")).to.be.greaterThan(0);
    await sleep(WINDOW_MS + 50); // the window's own length is what is under test
    expect(await rl.hit(three, "k")).to.equal(0);
    expect(await rl.count(three, "k")).to.equal(2);
  });

  it("a refund gives one hit back to the current window", async () => {
    for (let i = 0; i < three.max; i++) await rl.hit(three, "k");
    await rl.refund(three, "k");
    expect(await rl.hit(three, "k")).to.equal(0);
    expect(await rl.hit(three, "k")).to.be.greaterThan(0);
  });

  it("a refund never goes below zero", async () => {
    await rl.refund(three, "fresh");
    await rl.count(three, "once");
    await rl.refund(three, "once");
    await rl.refund(three, "once");
    expect(await rl.count(three, "fresh")).to.equal(1);
    expect(await rl.count(three, "once")).to.equal(1);
  });

  it("keys and limits count separately", async () => {
    for (let i = 0; i <= three.max; i++) await rl.hit(three, "a");
    expect(await rl.hit(three, "a")).to.be.greaterThan(0);
    expect(await rl.hit(three, "b")).to.equal(0);
    expect(await rl.hit({ ...three, name: "other" }, "a")).to.equal(0);
  });

  it("enforce throws rate_limited with retry_after in whole seconds; max 0 disables a limit", async () => {
    const one: Limit = { name: "enforce", max: 1, windowMs: 60_000 };
    await enforce(rl, [[one, "k"]]);
    const err = await enforce(rl, [[one, "k"]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal("rate_limited");
    expect((err as AppError).details).to.deep.equal({ retry_after: 60 });
    for (let i = 0; i < 5; i++) await enforce(rl, [[{ ...one, name: "off", max: 0 }, "k"]]);
  });

  if (!traits.cluster) return;

  it("every node counts into the same window", async () => {
    const b = (await fx.otherNode!()).impl;
    expect(await rl.hit(three, "shared")).to.equal(0);
    expect(await b.hit(three, "shared")).to.equal(0);
    expect(await rl.hit(three, "shared")).to.equal(0);
    await b.refund(three, "shared"); // gives back a hit node A made
    expect(await rl.hit(three, "shared")).to.equal(0);
    expect(await b.hit(three, "shared")).to.be.greaterThan(0);
    expect(await rl.count(three, "other-key")).to.equal(1);
  });
}
