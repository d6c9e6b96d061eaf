/**
 * Is a secret good enough for production? A length check alone let the example's
 * `change-me-to-at-least-32-random-bytes-base64` through (issue 12, item 5): a placeholder is long
 * and still public. Refused: known placeholder words, long runs of repeated or sequential
 * characters, too few distinct characters, and too little estimated entropy (the Shannon entropy
 * of the character frequencies times the length, an upper bound for anything a person typed).
 * `openssl rand -base64 32` (≈ 200 bits by this estimate) and `-hex 24` (≈ 180) pass with room.
 */
import zlib from "node:zlib";

const PLACEHOLDER_WORDS = [
  "change",
  "secret",
  "example",
  "placeholder",
  "replace",
  "password",
  "passwd",
  "default",
  "sample",
  "dummy",
  "fixme",
  "insert",
];
/** Estimated bits below which a secret is refused. */
const MIN_SECRET_BITS = 112;
const MIN_DISTINCT = 10;
/** Share of 3-character windows that repeat or count ("aaa", "abc", "321") above which it is refused. */
const MAX_RUN_SHARE = 0.2;
/** A secret that deflate shrinks below this share of its size repeats itself ("qwertyqwerty…"). */
const MIN_COMPRESSED_SHARE = 0.6;

/** Shannon entropy of the byte frequencies, times the length: bits. */
function estimatedBits(secret: string): number {
  const bytes = Buffer.from(secret);
  const counts = new Map<number, number>();
  for (const b of bytes) counts.set(b, (counts.get(b) ?? 0) + 1);
  let perByte = 0;
  for (const c of counts.values()) {
    const p = c / bytes.length;
    perByte -= p * Math.log2(p);
  }
  return perByte * bytes.length;
}

/**
 * A placeholder word inside one written word of the secret ("change-me", "ChangeMe", "MY_SECRET"):
 * the letters of one case (a capital may lead). Random base64 almost never spells five letters of
 * one case in a row (words are ≥ 5 letters: 4-letter ones such as "todo" met real random
 * secrets about once in 7,000).
 */
function placeholderWord(secret: string): string | undefined {
  const words = (secret.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g) ?? []).map((w) => w.toLowerCase());
  return PLACEHOLDER_WORDS.find((p) => words.some((w) => w.includes(p)));
}

/** Why `secret` is too weak for production, or undefined when it is fine. */
export function secretWeakness(secret: string, minBytes: number): string | undefined {
  const bytes = Buffer.from(secret);
  if (bytes.length < minBytes) return `shorter than ${minBytes} bytes`;
  const word = placeholderWord(secret);
  if (word) return `looks like a placeholder (contains "${word}")`;
  const distinct = new Set(bytes).size;
  if (distinct < MIN_DISTINCT) return `only ${distinct} distinct characters`;
  let runs = 0;
  for (let i = 2; i < bytes.length; i++) {
    const step = bytes[i] - bytes[i - 1];
    if (Math.abs(step) <= 1 && bytes[i - 1] - bytes[i - 2] === step) runs++;
  }
  if (runs / (bytes.length - 2) > MAX_RUN_SHARE) return "repeated or sequential characters";
  if (zlib.deflateRawSync(bytes).length < bytes.length * MIN_COMPRESSED_SHARE) return "a repeating pattern";
  const bits = estimatedBits(secret);
  if (bits < MIN_SECRET_BITS)
    return `too little entropy (≈ ${Math.round(bits)} bits, need ${MIN_SECRET_BITS})`;
  return undefined;
}
