import { describe, expect, it } from "vitest";
import { formatTime, initials } from "../src/logic/format.ts";

describe("formatting", () => {
  const now = new Date(2026, 10, 25, 15, 0);

  it("shows only the time for today, a weekday this week, a date before", () => {
    const today = formatTime(new Date(2026, 10, 25, 9, 5).toISOString(), now);
    expect(today).toMatch(/09|9/);
    expect(today).not.toMatch(/Nov/);
    const week = formatTime(new Date(2026, 10, 23, 9, 5).toISOString(), now);
    expect(week.split(" ").length).toBeGreaterThan(1);
    expect(formatTime(new Date(2026, 9, 1, 9, 5).toISOString(), now)).toMatch(/Oct|10/);
    expect(formatTime("not a date", now)).toBe("");
  });

  it("makes avatar initials", () => {
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("ada  byron lovelace")).toBe("AL");
    expect(initials("bob")).toBe("B");
    expect(initials("  ")).toBe("?");
    expect(initials("<img src=x>")).toBe("<S"); // plain characters, shown as text
  });
});

describe("locale-aware times and emoji avatars", () => {
  it("no leading zero in 12-hour locales; 24-hour locales keep theirs", () => {
    const d = new Date(2026, 10, 25, 9, 5);
    expect(formatTime(d.toISOString(), d, "en-US")).toBe("9:05 AM");
    expect(formatTime(d.toISOString(), d, "ru-RU")).toBe("09:05");
    expect(formatTime(new Date(2026, 9, 1, 9, 5).toISOString(), d, "ru-RU")).toBe("1 окт.");
  });

  it("an avatar uses a leading emoji whole (flags, ZWJ families, skin tones)", () => {
    expect(initials("🇺🇦 Kyiv friends")).toBe("🇺🇦");
    expect(initials("👨‍👩‍👧 Family")).toBe("👨‍👩‍👧");
    expect(initials("👍🏽 team")).toBe("👍🏽");
    expect(initials("Élan Vital")).toBe("ÉV");
  });
});
