import { describe, expect, it } from "vitest";
import { dayLabel, daySeparators } from "../src/logic/day-separators.ts";
import { groupFlags } from "../src/logic/grouping.ts";

describe("day separators", () => {
  const now = new Date(2026, 10, 25, 15, 0);
  const at = (d: number, h = 9) => new Date(2026, 10, d, h, 5).toISOString();

  it("says Today, Yesterday, else the date in the given locale", () => {
    expect(dayLabel(at(25), now, "en-US")).toBe("Today");
    expect(dayLabel(at(24, 23), now, "en-US")).toBe("Yesterday");
    expect(dayLabel(at(20), now, "en-US")).toBe("Friday, November 20");
    expect(dayLabel(at(20), now, "ru-RU")).toBe("пятница, 20 ноября");
    expect(dayLabel(new Date(2025, 0, 2).toISOString(), now, "en-US")).toBe("Thursday, January 2, 2025");
  });

  it("says today and yesterday in the reader's language (Intl.RelativeTimeFormat), capitalized", () => {
    expect(dayLabel(at(25), now, "ru-RU")).toBe("Сегодня");
    expect(dayLabel(at(24, 0), now, "ru-RU")).toBe("Вчера");
    expect(dayLabel(at(25), now, "de-DE")).toBe("Heute");
    expect(dayLabel(at(24), now, "de-DE")).toBe("Gestern");
    // The day before yesterday is a date, as before.
    expect(dayLabel(at(23), now, "ru-RU")).toBe("понедельник, 23 ноября");
    // Across a month's start.
    expect(dayLabel(new Date(2026, 10, 30, 22).toISOString(), new Date(2026, 11, 1, 8), "ru-RU")).toBe(
      "Вчера",
    );
  });

  it("puts a label above the first item of each day only", () => {
    expect(daySeparators([at(20), at(20, 10), at(24), at(25), at(25, 11), undefined], now, "en-US")).toEqual([
      "Friday, November 20",
      undefined,
      "Yesterday",
      "Today",
      undefined,
      undefined,
    ]);
  });
});

describe("grouping", () => {
  const t = (min: number) => new Date(Date.UTC(2026, 10, 25, 10, min)).toISOString();
  it("groups one sender's messages within five minutes, not across senders, gaps or days", () => {
    expect(
      groupFlags([
        { sender: 1, at: t(0) },
        { sender: 1, at: t(4) },
        { sender: 2, at: t(5) },
        { sender: 2, at: t(20) },
        { sender: 2, at: t(21), newDay: true },
        { sender: 2, at: t(22) },
      ]),
    ).toEqual([false, true, false, false, false, true]);
  });
});
