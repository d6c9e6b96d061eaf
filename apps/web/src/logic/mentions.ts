/**
 * `@name` mentions as the server reads them (apps/server/src/push/mentions.ts): `@Ann` names the
 * member called "Ann" (any case) as a whole word; a name with spaces is written as it is. Used to
 * highlight mentions, to notify me of one in a muted chat, and by the composer's member picker.
 */

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function pattern(name: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_@])@${escape(name)}(?![\\p{L}\\p{N}_])`, "giu");
}

/** Whether `text` mentions `name`. */
export function mentions(text: string, name: string): boolean {
  const n = name.trim();
  return n !== "" && text.includes("@") && pattern(n).test(text);
}

type TextPart = { text: string; mention?: boolean };

/** The text cut into plain runs and mentions of the given names (longest name first). */
export function splitMentions(text: string, names: string[]): TextPart[] {
  if (!text.includes("@")) return [{ text }];
  const ranges: Array<[number, number]> = [];
  const sorted = [...new Set(names.map((n) => n.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  for (const n of sorted) {
    for (const m of text.matchAll(pattern(n))) {
      const start = m.index;
      const end = start + m[0].length;
      if (!ranges.some(([s, e]) => start < e && end > s)) ranges.push([start, end]);
    }
  }
  if (ranges.length === 0) return [{ text }];
  ranges.sort((a, b) => a[0] - b[0]);
  const out: TextPart[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    if (s > at) out.push({ text: text.slice(at, s) });
    out.push({ text: text.slice(s, e), mention: true });
    at = e;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

/**
 * The `@word` being typed just before the caret, if any: where it starts (the `@`) and what
 * follows it so far (spaces allowed, for names with spaces, up to 30 characters).
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf("@");
  if (at < 0) return undefined;
  if (at > 0 && /[\p{L}\p{N}_@]/u.test(before[at - 1])) return undefined;
  const query = before.slice(at + 1);
  if (query.length > 30 || query.includes("\n") || /^\s/.test(query)) return undefined;
  return { start: at, query };
}

/** Members whose name starts with (or has a word starting with) the query, best first, at most `max`. */
export function matchMembers<T extends { name: string }>(members: T[], query: string, max = 6): T[] {
  const q = query.toLocaleLowerCase();
  const starts = members.filter((m) => m.name.toLocaleLowerCase().startsWith(q));
  const words = members.filter(
    (m) =>
      !starts.includes(m) &&
      m.name
        .toLocaleLowerCase()
        .split(/\s+/)
        .some((w) => w.startsWith(q)),
  );
  return [...starts, ...words].slice(0, max);
}

/** The chat is muted now (PUT /chats/{id}/mute): "forever" or a time still ahead. */
export function isMuted(mutedUntil: string | null | undefined, now = Date.now()): boolean {
  if (!mutedUntil) return false;
  return mutedUntil === "forever" || Date.parse(mutedUntil) > now;
}
