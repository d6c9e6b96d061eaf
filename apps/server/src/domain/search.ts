/**
 * Message search (issue 18): PostgreSQL full-text search over the plaintext messages of the chats
 * the caller is a member of at the moment of the request (a removed member finds nothing more of
 * a chat). Encrypted chats are never searched here: the server holds only MLS bytes (their clients
 * search on the device). Deleted messages are never found (the index and the query skip them).
 *
 * The user's words never reach the tsquery parser as syntax: they are cut into runs of letters,
 * marks and digits (everything else is a separator), and each run is asked as a prefix in the
 * three configurations of `message_search_vector` (simple, russian, english), all words together.
 */
import { AppError, SEARCH_MAX_LIMIT, type RouteResponse } from "@chat/protocol";
import { enforce } from "../cluster/rate-limit.ts";
import { requireMember } from "./access.ts";
import type { DomainContext } from "./context.ts";

/** Words of one query beyond this are ignored (each costs three tsquery branches). */
const MAX_WORDS = 8;
/** A snippet's length, in UTF-16 code units, around its first highlight. */
const SNIPPET_MAX = 300;
/** Highlight markers inside the database answer; stripped from the text first, so none is forged. */
const START = "\u0001";
const STOP = "\u0002";
/**
 * The text-search parser takes `<…>` for markup and ts_headline leaves it out: `<` goes in as this
 * character and comes back after, so the snippet shows the text exactly as written.
 */
const LT = "\u0003";
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

/** The query's words: runs of letters, combining marks and digits, lower-cased, distinct, at most MAX_WORDS. */
export function searchWords(q: string): string[] {
  const runs =
    q
      .normalize("NFC")
      .toLowerCase()
      .match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  return [...new Set(runs)].slice(0, MAX_WORDS);
}

/**
 * The tsquery of words $first.. : every word, each as a prefix in any configuration. A one-character
 * word is matched whole: as a prefix it would match most of the table and rank it all.
 */
function tsqueryOf(words: string[], first: number): string {
  return words
    .map((word, i) => {
      const w = [...word].length >= 2 ? `($${first + i} || ':*')` : `$${first + i}`;
      return `(to_tsquery('simple', ${w}) || to_tsquery('russian', ${w}) || to_tsquery('english', ${w}))`;
    })
    .join(" && ");
}

interface HitRow {
  chat_id: number;
  message_id: number;
  seq: number;
  sender_id: number;
  created_at: Date;
  rank: number;
  headline: string;
}

type SearchAnswer = RouteResponse<"searchMessages">;

/**
 * One search of `GET /search` or the socket's `search` event: spends the user's search budget
 * (RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE), at most SEARCH_MAX_LIMIT hits and the answer
 * byte budget.
 */
export async function searchMessages(
  ctx: DomainContext,
  userId: number,
  q: { q: string; chat_id?: number; before?: string; limit?: number },
): Promise<SearchAnswer> {
  await enforce(ctx.limiter, [[ctx.limits.messageSearchesPerUser, String(userId)]]);
  if (q.chat_id !== undefined) {
    const m = await requireMember(ctx, q.chat_id, userId);
    if (m.encrypted)
      throw new AppError("encrypted_chat", "An encrypted chat is searched on the device, not on the server");
  }
  const words = searchWords(q.q);
  if (words.length === 0) return { results: [], next_before: null };
  const limit = Math.min(q.limit ?? 20, SEARCH_MAX_LIMIT);
  const params: unknown[] = [userId, limit + 1, q.chat_id ?? null];
  let cursor = "";
  if (q.before) {
    const [rank, id] = q.before.split("_");
    params.push(rank, Number(id));
    cursor = `AND (h.rank, h.message_id) < ($4::real, $5::int)`;
  }
  const query = tsqueryOf(words, params.length + 1);
  params.push(...words);
  const { rows } = await ctx.db.pool.query<HitRow>(
    `WITH query AS (SELECT ${query} AS tsq),
     hits AS (
       SELECT m.id AS message_id, m.chat_id, m.seq, m.sender_id, m.created_at, m.text,
              ts_rank(message_search_vector(m.text), query.tsq) AS rank, query.tsq
         FROM query, messages m
         JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = $1
         JOIN chats c ON c.id = m.chat_id AND NOT c.encrypted
        WHERE m.kind = 'text' AND m.deleted_at IS NULL
          AND message_search_vector(m.text) @@ query.tsq
          AND ($3::int IS NULL OR m.chat_id = $3::int))
     SELECT h.message_id, h.chat_id, h.seq, h.sender_id, h.created_at, h.rank,
            ts_headline('simple', translate(translate(h.text, E'\\x01\\x02\\x03', '   '), '<', E'\\x03'), h.tsq, '${HEADLINE_OPTIONS}') AS headline
       FROM hits h
      WHERE true ${cursor}
      ORDER BY h.rank DESC, h.message_id DESC
      LIMIT $2`,
    params,
  );
  const kept = rows.slice(0, limit);
  const results: SearchAnswer["results"] = [];
  let bytes = 0;
  for (const r of kept) {
    const hit = {
      chat_id: r.chat_id,
      message_id: r.message_id,
      seq: r.seq,
      sender_id: r.sender_id,
      created_at: new Date(r.created_at).toISOString(),
      rank: r.rank,
      ...highlighted(r.headline),
    };
    bytes += JSON.stringify(hit).length * 3;
    if (results.length > 0 && bytes > ctx.limits.answerBytes) break;
    results.push(hit);
  }
  const last = results.at(-1);
  const more = results.length < rows.length;
  return { results, next_before: more && last ? `${last.rank}_${last.message_id}` : null };
}

/**
 * A ts_headline answer (words marked START..STOP) as plain text and [start, end) ranges, cut to
 * SNIPPET_MAX around the first mark. The text is never HTML: the client renders it as text.
 */
export function highlighted(headline: string): { snippet: string; highlights: [number, number][] } {
  let text = "";
  const ranges: [number, number][] = [];
  let open = -1;
  for (const ch of headline) {
    if (ch === START) open = text.length;
    else if (ch === STOP) {
      if (open >= 0 && text.length > open) ranges.push([open, text.length]);
      open = -1;
    } else text += ch === LT ? "<" : ch;
  }
  const from = ranges.length > 0 ? Math.max(0, Math.min(ranges[0][0] - 60, text.length - SNIPPET_MAX)) : 0;
  let to = Math.min(text.length, from + SNIPPET_MAX);
  // Never cut a surrogate pair in two.
  const start = from > 0 && isLowSurrogate(text.charCodeAt(from)) ? from + 1 : from;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to -= 1;
  return {
    snippet: text.slice(start, to),
    highlights: ranges
      .filter(([a, b]) => a >= start && b <= to)
      .map(([a, b]) => [a - start, b - start] as [number, number]),
  };
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
