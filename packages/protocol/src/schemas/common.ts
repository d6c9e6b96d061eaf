import { z } from "zod";

/** Largest id PostgreSQL's INTEGER holds; larger ids are a 400, not a 500. */
export const MAX_ID = 2_147_483_647;
export const MAX_TEXT = 4_000;
export const MAX_PAGE = 100;

/** A numeric id as it arrives in a path or query string. */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, "must be a positive integer")
  .transform(Number)
  .pipe(z.number().max(MAX_ID, "is too large"));

export const id = z.number().int().positive().max(MAX_ID);
/** A seq as it arrives in a query string (0 allowed: "from the start"). */
export const seqParam = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,9})$/, "must be a non-negative integer")
  .transform(Number)
  .pipe(z.number().max(MAX_ID, "is too large"));
export const seq = z.number().int().min(0).max(MAX_ID);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Any text that reaches PostgreSQL: no NUL (PostgreSQL refuses it with an error: a 500, and the
 * origin crashed on it) and no lone surrogate from a JSON `\ud800` escape (it would be stored as
 * U+FFFD, not as what was sent).
 */
export const storable = <T extends z.ZodString>(s: T) =>
  s
    .refine((v) => !v.includes("\u0000"), "must not contain NUL characters")
    .refine((v) => !LONE_SURROGATE.test(v), "must be valid Unicode (no lone surrogates)");

/**
 * What shows as nothing: white space, default-ignorable code points (zero-width space and joiners,
 * BOM, variation selectors, the Hangul fillers U+115F/U+1160/U+3164/U+FFA0), format characters
 * (bidi marks and isolates) and the blank Braille pattern U+2800, which renders as a space.
 */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\u2800\u115F\u1160\u3164\uFFA0]/gu;

/** True when the text shows nothing at all: a message of only invisible characters is blank. */
export const isBlank = (s: string) => s.replace(INVISIBLE, "").length === 0;

/** Message text: 1..4000 characters, storable, not blank (invisible characters count as blank). */
export const messageText = storable(
  z.string().min(1, "must not be empty").max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`),
).refine((s) => !isBlank(s), "must not be blank");

export const isoDate = z.string().meta({ format: "date-time" });
