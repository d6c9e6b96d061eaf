/**
 * Names the kinds of hostility in a case from its mutation notes, so a run can report how many
 * cases of each kind the issue asks for it actually sent (a case may count under several).
 */
const KINDS: Array<[string, RegExp]> = [
  ["wrong type or value", /^(body|query) \S+=|^\S+=|^payload /],
  ["missing field", /without /],
  ["extra field", /extra /],
  ["prototype keys", /__proto__|constructor|prototype/],
  ["huge string or body", /…\(\d{4,}\)|body of \d+ bytes/],
  ["deep nesting", /nested \d+ deep|\[\[\[\[|\{"a":\{"a":/],
  ["invalid UTF-8", /invalid UTF-8|raw bytes|raw %|charset/],
  [
    "bad id (negative, huge, non-numeric)",
    /^path \w+=|(chat_id|message_id|user_id|seq|after_seq|before_seq)=/,
  ],
  ["content type or form", /^content-type|^form /],
  ["bad bearer header", /^authorization /],
  ["binary payload", /bytes>/],
  ["wrong argument count", /payload arguments/],
  ["unknown event", /^event /],
];

export const KIND_NAMES = KINDS.map(([k]) => k);

export function kindsOf(what: string[]): string[] {
  return KINDS.filter(([, re]) => what.some((w) => re.test(w))).map(([k]) => k);
}
