import { describe, expect, it } from "vitest";
import { History, type NodePoint } from "../src/admin/history.ts";

const fig = (v: number): NodePoint => ({
  messagesPerSecond: v,
  deliveriesPerSecond: v * 2,
  ackP99Ms: null,
  eventLoopLagMs: 1,
  cpuCores: 0.5,
});

describe("the admin console's history (ring buffer)", () => {
  it("keeps the last `capacity` points, oldest first", () => {
    const h = new History(3);
    for (let t = 1; t <= 5; t++) h.push({ t, nodes: new Map([["a", fig(t)]]) });
    expect(h.length).toBe(3);
    expect([0, 1, 2].map((i) => h.at(i)!.t)).toEqual([3, 4, 5]);
    expect(h.at(3)).toBeUndefined();
    expect(h.series("messagesPerSecond", ["a"])).toEqual([
      [3, 4, 5],
      [3, 4, 5],
    ]);
  });

  it("gives null where a node was not live, and ignores a point not after the last", () => {
    const h = new History(10);
    h.push({ t: 10, nodes: new Map([["a", fig(1)]]) });
    h.push({
      t: 12,
      nodes: new Map([
        ["a", fig(2)],
        ["b", fig(3)],
      ]),
    });
    h.push({ t: 12, nodes: new Map([["a", fig(9)]]) });
    h.push({ t: 14, nodes: new Map([["b", fig(4)]]) });
    expect(h.series("deliveriesPerSecond", ["a", "b"])).toEqual([
      [10, 12, 14],
      [2, 4, null],
      [null, 6, 8],
    ]);
    expect(h.series("ackP99Ms", ["a"])[1]).toEqual([null, null, null]);
  });
});

describe("the admin console's gone nodes", () => {
  it("lists every node still in the history, in order of first appearance", () => {
    const h = new History(3);
    h.push({ t: 1, nodes: new Map([["b", fig(1)]]) });
    h.push({
      t: 2,
      nodes: new Map([
        ["a", fig(1)],
        ["b", fig(1)],
      ]),
    });
    h.push({ t: 3, nodes: new Map([["a", fig(1)]]) });
    expect(h.nodeIds()).toEqual(["b", "a"]);
    // b's last point scrolls out: its line goes with it.
    h.push({ t: 4, nodes: new Map([["a", fig(1)]]) });
    h.push({ t: 5, nodes: new Map([["a", fig(1)]]) });
    expect(h.nodeIds()).toEqual(["a"]);
  });
});
