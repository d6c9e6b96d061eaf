import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  TYPING_AFTER_MESSAGE_MS,
  TYPING_TTL_MS,
  TypingSender,
  TypingState,
  typingLabel,
} from "../src/logic/typing.ts";

describe("typing indicator", () => {
  it("shows who types per chat and forgets entries that were never stopped", () => {
    const t = new TypingState();
    t.set(1, 10, true, 0);
    t.set(1, 11, true, 1000);
    t.set(2, 12, true, 0);
    expect(t.who(1, 1000).sort()).toEqual([10, 11]);
    t.set(1, 10, false, 1500);
    expect(t.who(1, 1500)).toEqual([11]);
    expect(t.nextExpiry()).toBe(TYPING_TTL_MS);
    expect(t.who(2, TYPING_TTL_MS)).toEqual([]); // expired
    t.clear(1, 11); // their message arrived
    expect(t.who(1, 2000)).toEqual([]);
  });

  it("does not believe a 'typing' that arrives just after the message it preceded", () => {
    const t = new TypingState();
    t.clear(1, 10, 5000); // their message arrived
    t.set(1, 10, true, 5200); // the typing sent before it, arriving late
    expect(t.who(1, 5200)).toEqual([]);
    t.set(1, 10, true, 5000 + TYPING_AFTER_MESSAGE_MS); // typing again afterwards: shown
    expect(t.who(1, 5000 + TYPING_AFTER_MESSAGE_MS)).toEqual([10]);
  });

  it("words the line", () => {
    expect(typingLabel([])).toBe("");
    expect(typingLabel(["Ann"])).toBe("Ann is typing…");
    expect(typingLabel(["Ann", "Bob"])).toBe("Ann and Bob are typing…");
    expect(typingLabel(["A", "B", "C", "D"])).toBe("4 people are typing…");
  });

  describe("sending", () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it("says typing once, refreshes while it goes on, and stops after a pause or on send", () => {
      const sent: boolean[] = [];
      const s = new TypingSender((v) => sent.push(v), 2500, 3000);
      s.input(0);
      s.input(1000);
      s.input(2000);
      expect(sent).toEqual([true]);
      s.input(2600); // still typing: refresh before the others' indicator expires
      expect(sent).toEqual([true, true]);
      vi.advanceTimersByTime(3000);
      expect(sent).toEqual([true, true, false]);
      s.stop(); // already stopped: nothing more
      s.input(10_000);
      s.stop(); // sent the message
      expect(sent).toEqual([true, true, false, true, false]);
    });
  });

  it("a typing line ends when the typer leaves, stops (switching chat), or sends", () => {
    const t = new TypingState();
    t.set(1, 10, true, 0);
    t.set(2, 10, true, 0);
    t.set(1, 11, true, 0);
    t.clearUser(10); // their last device went offline
    expect(t.who(1, 100)).toEqual([11]);
    expect(t.who(2, 100)).toEqual([]);
    t.set(1, 11, false, 200); // they opened another chat: their client said "stopped"
    expect(t.who(1, 200)).toEqual([]);
    t.set(1, 12, true, 300);
    t.clear(1, 12, 400); // their message arrived
    expect(t.who(1, 400)).toEqual([]);
  });
});
