/**
 * Times as people read them, in the reader's locale (`locale` undefined: the browser's): "14:05"
 * or "2:05 PM" today (no leading zero in 12-hour locales), "Mon 14:05" this week, "3 Nov" before.
 */
export function clockTime(d: Date, locale?: string): string {
  const twelve = new Intl.DateTimeFormat(locale, { hour: "numeric" }).resolvedOptions().hour12 === true;
  return d.toLocaleTimeString(locale, { hour: twelve ? "numeric" : "2-digit", minute: "2-digit" });
}

export function formatTime(iso: string, now = new Date(), locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const hm = clockTime(d, locale);
  const sameDay = d.toDateString() === now.toDateString();
  if (sameDay) return hm;
  const days = (now.getTime() - d.getTime()) / 86_400_000;
  if (days < 6 && days > 0) return `${d.toLocaleDateString(locale, { weekday: "short" })} ${hm}`;
  return d.toLocaleDateString(locale, { day: "numeric", month: "short" });
}

/** The first grapheme (a whole emoji, flags and ZWJ sequences included), not the first code point. */
function firstGrapheme(s: string): string {
  const seg = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of seg.segment(s)) return segment;
  return "";
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts.at(-1)!] : parts;
  const first = letters.map(firstGrapheme);
  // A name starting with an emoji: the emoji alone is the avatar.
  if (first[0] && /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(first[0])) return first[0];
  return first.map((g) => g.toUpperCase()).join("") || "?";
}
