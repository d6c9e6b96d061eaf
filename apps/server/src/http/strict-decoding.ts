/**
 * Text arrives as UTF-8 or not at all. body-parser and Node's querystring decode malformed bytes
 * and percent-escapes leniently into U+FFFD, so a broken client (or a fuzzer) would have mangled
 * text stored as if it were what the user typed. These refuse it with a 400 instead.
 */
import { isUtf8 } from "node:buffer";
import type { RequestHandler } from "express";

/** An error body-parser and Express pass on with its 400 status; mapped in errors.ts. */
function malformed(message: string): Error {
  return Object.assign(new Error(message), { status: 400, type: "encoding.invalid" });
}

/**
 * body-parser's `verify` hook: the raw body must be valid UTF-8. Other charsets (body-parser
 * would decode UTF-7 or UTF-16 too) are refused: JSON between systems is UTF-8 (RFC 8259), and
 * one encoding means one way to spell each character for every check downstream.
 */
export function requireUtf8Body(_req: unknown, _res: unknown, buf: Buffer, encoding: string | null): void {
  if (encoding !== null && !/^utf-?8$/i.test(encoding)) throw malformed("The body must be UTF-8");
  if (!isUtf8(buf)) throw malformed("The body is not valid UTF-8");
}

/** Middleware: refuses a query string whose percent-escapes are not UTF-8 (e.g. `%FF`). */
export const requireUtf8Query: RequestHandler = (req, _res, next) => {
  const q = req.url.indexOf("?");
  if (q < 0) return next();
  for (const part of req.url.slice(q + 1).split(/[&=]/)) {
    if (!part.includes("%")) continue;
    try {
      decodeURIComponent(part);
    } catch {
      return next(malformed("The query string is not valid UTF-8"));
    }
  }
  next();
};
