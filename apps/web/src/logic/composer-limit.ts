/**
 * The server takes messages of up to 4,000 characters (UTF-16 units, as zod counts them). The
 * composer never cuts a text silently: near the limit it counts, past it the send is refused with
 * the reason, and the text can go as several messages instead.
 */
export const MESSAGE_MAX = 4000;
/** The counter shows from here on. */
const COUNTER_FROM = 3500;

/** "3,812 / 4,000" near the limit, undefined well below it. */
export function counterText(length: number, locale?: string): string | undefined {
  if (length < COUNTER_FROM) return undefined;
  const n = new Intl.NumberFormat(locale);
  return `${n.format(length)} / ${n.format(MESSAGE_MAX)}`;
}

export function tooLongText(length: number, locale?: string): string {
  const n = new Intl.NumberFormat(locale);
  return `This message is ${n.format(length)} characters; the limit is ${n.format(MESSAGE_MAX)}. Shorten it or send it as ${splitMessage("x".repeat(length)).length} messages.`;
}

/** An edit is one message: past the limit it can only be shortened, not split. */
export function editTooLongText(length: number, locale?: string): string {
  const n = new Intl.NumberFormat(locale);
  return `This text is ${n.format(length)} characters; the limit is ${n.format(MESSAGE_MAX)}. Shorten it to save.`;
}

/**
 * Cuts a long text into parts of at most `max` characters, at a paragraph, line or word break when
 * one is in the last fifth of a part, and never inside a surrogate pair.
 */
export function splitMessage(text: string, max = MESSAGE_MAX): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = max;
    const window = rest.slice(0, max);
    const floor = Math.floor(max * 0.8);
    for (const sep of ["\n\n", "\n", " "]) {
      const i = window.lastIndexOf(sep);
      if (i >= floor) {
        cut = i + sep.length;
        break;
      }
    }
    const code = rest.charCodeAt(cut - 1);
    if (cut === max && code >= 0xd800 && code <= 0xdbff) cut -= 1;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  if (rest.trim()) parts.push(rest);
  return parts.filter((p) => p.trim());
}
