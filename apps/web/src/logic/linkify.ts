/**
 * Splits a message's text into plain runs and web links. Only http(s) addresses become links: a
 * `javascript:` or `data:` address stays text. Nothing here is HTML: the view puts each run in as
 * a text node or an <a> whose href is the parsed URL.
 */
type TextRun = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

// An address starts at a word boundary with http:// or https:// (or www.) and runs to whitespace.
const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
// Closing punctuation that ends a sentence, not the address ("see https://x.org/a.").
const TRAILING = /^[.,;:!?'")\]}»]$/;

const count = (s: string, c: string) => s.split(c).length - 1;

/** The href for an address people wrote, or undefined when it is not an http(s) URL. */
export function safeHref(raw: string): string | undefined {
  const withScheme = /^www\./i.test(raw) ? `https://${raw}` : raw;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (!url.hostname) return undefined;
  return url.href;
}

export function linkify(text: string): TextRun[] {
  const out: TextRun[] = [];
  let at = 0;
  const push = (t: string) => {
    if (!t) return;
    const last = out.at(-1);
    if (last?.kind === "text") last.text += t;
    else out.push({ kind: "text", text: t });
  };
  for (const m of text.matchAll(CANDIDATE)) {
    let raw = m[0];
    // Sentence punctuation after an address is not part of it; a closing parenthesis is when
    // its opening one is inside the address (Wikipedia links).
    while (TRAILING.test(raw.at(-1) ?? "")) {
      const last = raw.at(-1)!;
      if (last === ")" && count(raw, "(") >= count(raw, ")")) break;
      raw = raw.slice(0, -1);
    }
    const href = safeHref(raw);
    push(text.slice(at, m.index));
    if (href) out.push({ kind: "link", text: raw, href });
    else push(raw);
    at = m.index + raw.length;
  }
  push(text.slice(at));
  return out;
}
