/**
 * Day separators of a conversation: "Today", "Yesterday" (Intl.RelativeTimeFormat: "Сегодня",
 * "Вчера" in Russian), or a date, all in the reader's locale.
 */

/** A local calendar day as a key ("2026-11-25"), to compare days without time zones creeping in. */
export function dayKey(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The first letter in upper case, as the locale writes it ("today" → "Today", "сегодня" → "Сегодня"). */
const capitalized = (s: string, locale?: string) => s.charAt(0).toLocaleUpperCase(locale) + s.slice(1);

/**
 * "Today", "Yesterday" (in the locale's words), else the date: weekday and day/month this year,
 * with the year before. `locale`: undefined is the browser's.
 */
export function dayLabel(iso: string, now = new Date(), locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  const key = dayKey(d);
  const ago = key === dayKey(now) ? 0 : key === dayKey(y) ? -1 : undefined;
  if (ago !== undefined)
    return capitalized(new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(ago, "day"), locale);
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(d.getFullYear() !== now.getFullYear() && { year: "numeric" }),
  }).format(d);
}

/** For each item (by its time), the day label to show above it, or undefined when the day goes on. */
export function daySeparators(
  times: readonly (string | undefined)[],
  now = new Date(),
  locale?: string,
): (string | undefined)[] {
  let prev: string | undefined;
  return times.map((t) => {
    if (!t) return undefined;
    const d = new Date(t);
    if (Number.isNaN(d.getTime())) return undefined;
    const key = dayKey(d);
    if (key === prev) return undefined;
    prev = key;
    return dayLabel(t, now, locale);
  });
}
