import { describe, expect, it } from "vitest";
import { groupLine, nextTick, presenceLine, relativeTime } from "../src/logic/last-seen.ts";

const MIN = 60_000;

describe("last seen", () => {
  it('says "online", or when the person was last seen, in the locale', () => {
    const now = Date.UTC(2026, 11, 1, 12);
    expect(presenceLine(true, null, now, "en")).toBe("online");
    expect(presenceLine(false, new Date(now - 5 * MIN).toISOString(), now, "en")).toBe(
      "last seen 5 minutes ago",
    );
    expect(presenceLine(false, new Date(now - 3 * 3600_000).toISOString(), now, "en")).toBe(
      "last seen 3 hours ago",
    );
    expect(presenceLine(false, new Date(now - 26 * 3600_000).toISOString(), now, "en")).toBe(
      "last seen yesterday",
    );
    expect(presenceLine(false, new Date(now - 10_000).toISOString(), now, "en")).toBe("last seen now");
    expect(presenceLine(false, null, now, "en")).toBe("offline");
    expect(presenceLine(undefined, undefined, now, "en")).toBe("");
    expect(relativeTime(now - 5 * MIN, now, "de")).toBe("vor 5 Minuten");
    // A clock ahead of ours is not "in 2 minutes".
    expect(presenceLine(false, new Date(now + 2 * MIN).toISOString(), now, "en")).toBe("last seen now");
  });

  it("ages: the line changes as time passes", () => {
    const seen = new Date(Date.UTC(2026, 11, 1, 12)).toISOString();
    const t0 = Date.parse(seen);
    expect(presenceLine(false, seen, t0 + 2 * MIN, "en")).toBe("last seen 2 minutes ago");
    expect(presenceLine(false, seen, t0 + 2 * MIN + nextTick(seen, t0 + 2 * MIN) * 4, "en")).toBe(
      "last seen 3 minutes ago",
    );
  });

  it("a group: members, and how many are online", () => {
    expect(groupLine(3, 2)).toBe("3 members, 2 online");
    expect(groupLine(1, 0)).toBe("1 member");
  });
});
