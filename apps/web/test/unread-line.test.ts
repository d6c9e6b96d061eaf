import { describe, expect, it } from "vitest";
import type { TimelineItem } from "../src/logic/timeline.ts";
import { unreadLineAt } from "../src/logic/unread-line.ts";
import { ME, msg } from "./fixtures.ts";

const items = (seqs: number[], mine: number[] = []): TimelineItem[] =>
  seqs.map((seq) => ({ kind: "message", message: msg(seq, mine.includes(seq) ? { sender_id: ME } : {}) }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('where the "New messages" line goes', () => {
  it("above the first unread message of someone else, my own ones skipped", () => {
    expect(unreadLineAt(items(range(1, 10)), ME, 4, false)).toBe(3);
    expect(unreadLineAt(items(range(1, 10), [4, 5]), ME, 4, true)).toBe(5);
    expect(unreadLineAt(items(range(1, 10)), ME, undefined, false)).toBe(-1);
    expect(unreadLineAt(items(range(1, 10), [9, 10]), ME, 9, false)).toBe(-1);
  });

  it("nowhere while the first unread lies in older pages not loaded yet (not above the oldest loaded)", () => {
    // The newest page 111..150, the first unread 51: older pages must come first.
    expect(unreadLineAt(items(range(111, 150)), ME, 51, true)).toBe(-1);
    expect(unreadLineAt(items(range(31, 150)), ME, 51, true)).toBe(20);
    // The oldest loaded is the first unread itself.
    expect(unreadLineAt(items(range(51, 150)), ME, 51, true)).toBe(0);
  });

  it("nowhere while the first unread lies in a hole before a message opened in its context", () => {
    expect(unreadLineAt(items([...range(1, 20), ...range(60, 100)]), ME, 30, false)).toBe(-1);
    expect(unreadLineAt(items([...range(1, 20), ...range(60, 100)]), ME, 10, false)).toBe(9);
  });

  it("with the whole history loaded, seqs older than it do not hold the line back", () => {
    // A member who joined at seq 40 and has read nothing.
    expect(unreadLineAt(items(range(40, 60)), ME, 1, false)).toBe(0);
  });
});
