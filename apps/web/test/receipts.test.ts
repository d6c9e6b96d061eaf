import { describe, expect, it } from "vitest";
import { ReadCursors, readByLabel, tickOf } from "../src/logic/receipts.ts";
import { ME, msg } from "./fixtures.ts";

describe("read cursors and ticks", () => {
  it("moves a cursor forward only", () => {
    const c = new ReadCursors();
    expect(c.set(2, 5)).toBe(true);
    expect(c.set(2, 3)).toBe(false);
    expect(c.get(2)).toBe(5);
    expect(c.set(3, 0)).toBe(true); // a new member at 0 is still recorded
    expect(c.get(4)).toBe(0);
  });

  it("lists who read a message: cursors at or past it, never its sender", () => {
    const c = new ReadCursors();
    c.set(ME, 9);
    c.set(2, 4);
    c.set(3, 3);
    c.set(4, 10);
    expect(c.readersOf(4, ME).sort()).toEqual([2, 4]);
    expect(c.readersOf(11, ME)).toEqual([]);
    expect(c.minOthers(ME)).toBe(3);
    c.keepOnly([ME, 2, 4]); // 3 left the chat
    expect(c.minOthers(ME)).toBe(4);
    expect(new ReadCursors().minOthers(ME)).toBeUndefined();
  });

  it("shows ✓ until the fully-read watermark passes a message, then ✓✓", () => {
    expect(tickOf(msg(5), 4)).toBe("sent");
    expect(tickOf(msg(5), 5)).toBe("read");
    expect(tickOf(msg(5), 9)).toBe("read");
  });

  it("words the read-by line", () => {
    expect(readByLabel([])).toBe("");
    expect(readByLabel(["Ann"])).toBe("Read by Ann");
    expect(readByLabel(["Ann", "Bob"])).toBe("Read by Ann and Bob");
    expect(readByLabel(["Ann", "Bob", "Cy"])).toBe("Read by Ann, Bob and Cy");
    expect(readByLabel(["Ann", "Bob", "Cy", "Di", "Ed"])).toBe("Read by Ann, Bob, Cy and 2 others");
    expect(readByLabel(["Ann", "Bob", "Cy", "Di"])).toBe("Read by Ann, Bob, Cy and 1 other");
  });
});
