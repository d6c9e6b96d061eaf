/**
 * Search snippets as pieces of text, found or not (the view makes each a text node, the found ones
 * inside <mark>), and the same kind of snippet made on the device for an encrypted chat.
 */

interface Piece {
  text: string;
  hit: boolean;
}

/** Splits `text` by [start, end) ranges (sorted, clamped, overlaps merged); bad ranges are ignored. */
export function highlightPieces(text: string, ranges: readonly (readonly [number, number])[]): Piece[] {
  const clean = ranges
    .map(([a, b]) => [Math.max(0, Math.trunc(a)), Math.min(text.length, Math.trunc(b))] as const)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && a < b)
    .sort((x, y) => x[0] - y[0]);
  const out: Piece[] = [];
  let at = 0;
  for (const [a, b] of clean) {
    const start = Math.max(a, at);
    if (start >= b) continue;
    const last = out.at(-1);
    if (start > at) out.push({ text: text.slice(at, start), hit: false });
    else if (last?.hit) {
      last.text += text.slice(start, b); // overlapping or touching: one mark
      at = b;
      continue;
    }
    out.push({ text: text.slice(start, b), hit: true });
    at = b;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), hit: false });
  return out;
}

/** The words of a query: letters and digits of any script (what the server matches too). */
export function queryWords(query: string): string[] {
  return [...new Set(query.toLocaleLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}

const SNIPPET = 300;
const LEAD = 60;

/**
 * Whether a message's text holds every word of the query as the start of a word (as the server's
 * prefix search does), and if so a snippet of at most 300 characters with the found ranges.
 */
export function localMatch(
  text: string,
  words: readonly string[],
): { snippet: string; highlights: [number, number][] } | undefined {
  if (words.length === 0) return undefined;
  const lower = text.toLocaleLowerCase();
  // Lower-casing changed some lengths (rare scripts): matched without ranges would be wrong.
  if (lower.length !== text.length) return undefined;
  const ranges: [number, number][] = [];
  for (const w of words) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(w)}`, "gu");
    const found = [...lower.matchAll(re)].map((m) => [m.index, m.index + w.length] as [number, number]);
    if (found.length === 0) return undefined;
    ranges.push(...found);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const start =
    text.length <= SNIPPET ? 0 : Math.max(0, Math.min(ranges[0][0] - LEAD, text.length - SNIPPET));
  const end = Math.min(text.length, start + SNIPPET);
  return {
    snippet: text.slice(start, end),
    highlights: ranges.filter(([a, b]) => a >= start && b <= end).map(([a, b]) => [a - start, b - start]),
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
