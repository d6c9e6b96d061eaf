import { describe, expect, it } from "vitest";
import { withGaps } from "../src/logic/gaps.ts";
import { Timeline } from "../src/logic/timeline.ts";
import { ME, msg } from "./fixtures.ts";

describe("holes in a chat's loaded messages", () => {
  it("a window opened around an old message and the newest page have a gap item between them", () => {
    const t = new Timeline(ME);
    t.upsert([1, 2, 3, 10, 11].map((s) => msg(s)));
    t.addPending({
      chatId: 7,
      clientId: "c1",
      text: "x",
      createdAt: "2026-11-25T12:00:00Z",
      state: "pending",
    });
    const kinds = withGaps(t.items()).map((i) =>
      i.kind === "gap" ? `gap ${i.after}-${i.before}` : i.kind === "message" ? i.message.seq : "pending",
    );
    expect(kinds).toEqual([1, 2, 3, "gap 3-10", 10, 11, "pending"]);
  });

  it("no gap once the hole is filled, nor in a whole history", () => {
    const t = new Timeline(ME);
    t.upsert([1, 2, 3].map((s) => msg(s)));
    expect(withGaps(t.items()).some((i) => i.kind === "gap")).toBe(false);
    t.upsert([5].map((s) => msg(s)));
    expect(withGaps(t.items()).filter((i) => i.kind === "gap")).toEqual([
      { kind: "gap", after: 3, before: 5 },
    ]);
    t.upsert([msg(4)]);
    expect(withGaps(t.items()).some((i) => i.kind === "gap")).toBe(false);
  });
});
