/**
 * The raw material of hostile input: values of the wrong type, ids out of range, huge strings,
 * deep nesting, prototype-pollution keys, binary. Shared by the REST and socket generators.
 */
import fc from "fast-check";

/** Keys that pollute a prototype when a server merges objects carelessly. */
export const PROTO_KEYS = ["__proto__", "constructor", "prototype"] as const;
/** The property a successful pollution would plant on Object.prototype (checked after the run). */
export const POLLUTION_MARK = "pwned_by_fuzz";

/** `{"__proto__": {mark: 1}}` and friends, as own keys (JSON.parse makes them own properties). */
export const protoObject: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(
    `{"__proto__":{"${POLLUTION_MARK}":1}}`,
    `{"constructor":{"prototype":{"${POLLUTION_MARK}":1}}}`,
    `{"prototype":{"${POLLUTION_MARK}":1}}`,
    `{"__proto__":{"__proto__":{"${POLLUTION_MARK}":1}}}`,
    `{"__proto__":null}`,
    `{"constructor":"x"}`,
  )
  .map((s) => JSON.parse(s) as Record<string, unknown>);

/** Ids that are not a positive 32-bit integer, as they would be typed into a URL. */
export const badIdText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "0",
    "-1",
    "-0",
    "00",
    "007",
    "1.5",
    "1.0",
    "1e3",
    "1E3",
    "0x1f",
    "0b1",
    "0o7",
    " 1",
    "1 ",
    "+1",
    "1,2",
    "1;2",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "undefined",
    "true",
    "[]",
    "{}",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "99999999999",
    "1".repeat(400),
    "9".repeat(5000),
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    ".",
    "..",
    "١٢٣",
    "１２",
    "1\u0000",
    "\u0000",
    "1\n",
    "<script>",
    "' OR 1=1 --",
    "1); DROP TABLE users; --",
  ),
  fc.integer({ min: -(2 ** 31), max: 0 }).map(String),
  fc.bigInt({ min: 2n ** 31n, max: 10n ** 30n }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.string({ unit: "binary", maxLength: 12 }),
);

/** Percent-escapes that are not UTF-8: sent as they are, never re-encoded. */
export const malformedEscape: fc.Arbitrary<string> = fc.constantFrom(
  "%FF",
  "%C0%80",
  "%E0%A4%A",
  "%",
  "%%",
  "%G1",
  "1%",
  "%ED%A0%80",
  "%F8%88%80%80%80",
);

/** Numbers no id or seq accepts. */
export const badNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, -0, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e308, -1e308, 1.5, 0.1, Number.MIN_VALUE),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }),
);

/** Strings no field should accept as they are: huge, NUL, blank, control characters, markup. */
export const badString: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 4_001, max: 60_000 }).map((n) => "x".repeat(n)),
  fc.integer({ min: 4_001, max: 15_000 }).map((n) => "é".repeat(n)),
  fc.constantFrom("", " ", "\t\n", "\u0000", "a\u0000b", "\u200b", "\ud83d\ude00".repeat(2001)),
  fc.string({ unit: "binary", maxLength: 30 }),
);

/** Deeply nested arrays/objects (as a value; JSON.stringify copes with this depth). */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 20, max: 1500 }), fc.boolean())
  .map(([depth, arrays]) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
    return v;
  });

/** Any value of the wrong shape for a field, JSON-serialisable. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: badNumber },
  { weight: 3, arbitrary: badString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1], ["1"], { id: 1 }) },
  { weight: 2, arbitrary: protoObject },
  { weight: 1, arbitrary: deepValue },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map(String) },
);

/** Keys a strict schema must refuse. */
export const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTO_KEYS, "id", "sender_id", "role", "is_admin", "seq", "chat_type", ""),
  fc.string({ unit: "binary", minLength: 1, maxLength: 10 }),
);
