/** "online" / "last seen 5 minutes ago" for a person, and "N members, M online" for a group. */

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.35],
  ["month", 12],
  ["year", Infinity],
];

/** `then` relative to `now` in the locale's words ("5 minutes ago", "vor 5 Minuten"); under a minute: "just now". */
export function relativeTime(then: number, now: number, locale?: string): string {
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  let value = (then - now) / 1000;
  if (Math.abs(value) < 45) return rtf.format(0, "second");
  for (const [unit, size] of UNITS) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return rtf.format(Math.round(value), "year");
}

/** A private chat's header line for the peer. */
export function presenceLine(
  online: boolean | undefined,
  lastSeen: string | null | undefined,
  now = Date.now(),
  locale?: string,
): string {
  if (online) return "online";
  const at = lastSeen ? Date.parse(lastSeen) : NaN;
  if (Number.isFinite(at)) return `last seen ${relativeTime(Math.min(at, now), now, locale)}`;
  return online === false ? "offline" : "";
}

/** A group's header line: "3 members, 2 online" (I count as online: I am here). */
export function groupLine(members: number, online: number): string {
  const m = `${members} member${members === 1 ? "" : "s"}`;
  return online > 0 ? `${m}, ${online} online` : m;
}

/** When the line should next change (ms from now): each minute at first, then less often. */
export function nextTick(lastSeen: string | null | undefined, now = Date.now()): number {
  const at = lastSeen ? Date.parse(lastSeen) : NaN;
  if (!Number.isFinite(at)) return 60_000;
  const age = now - at;
  if (age < 60 * 60_000) return 15_000;
  return 5 * 60_000;
}
