/** Message search (issue 18): `GET /search?q=&chat_id=&before=&limit=`, and the socket's `search` event. */
import { z } from "zod";
import { id, idParam, isoDate, storable } from "./common.ts";

export const SEARCH_MAX_QUERY = 200;
export const SEARCH_MAX_LIMIT = 50;

/** The paging cursor: `next_before` of the previous page, as given (rank and message id). */
export const SEARCH_CURSOR = /^(0|[1-9][0-9]{0,8})(\.[0-9]{1,12})?(e-[0-9]{1,2})?_[1-9][0-9]{0,9}$/;

/** The words searched for: the same rule in the query string and in the socket event. */
const searchWordsField = storable(
  z
    .string()
    .min(1, "must not be empty")
    .max(SEARCH_MAX_QUERY, `must be at most ${SEARCH_MAX_QUERY} characters`),
).meta({
  description:
    "words to find (Russian, English or any language; each word also matches as a prefix: `сообщ` finds `сообщение`); punctuation and query syntax are ignored",
});
const beforeField = z
  .string()
  .regex(SEARCH_CURSOR, "must be a next_before of a previous answer")
  .optional()
  .meta({ description: "the `next_before` of the previous page" });
const limitNumber = z.number().int().min(1).max(SEARCH_MAX_LIMIT, `must be at most ${SEARCH_MAX_LIMIT}`);

export const SearchQuery = z
  .strictObject({
    q: searchWordsField,
    chat_id: idParam.optional().meta({ description: "only this chat (I must be a member)" }),
    before: beforeField,
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, "must be an integer")
      .transform(Number)
      .pipe(limitNumber)
      .optional(),
  })
  .meta({ id: "SearchQuery" });

/** The socket's `search` event: GET /search's parameters as JSON values. */
export const searchEvent = z
  .strictObject({
    q: searchWordsField,
    chat_id: id.optional().meta({ description: "only this chat (I must be a member)" }),
    before: beforeField,
    limit: limitNumber
      .optional()
      .meta({ description: `results per page, 1..${SEARCH_MAX_LIMIT} (default 20)` }),
  })
  .meta({ id: "SearchEvent" });

export const SearchHit = z
  .object({
    chat_id: z.number().int(),
    message_id: z.number().int(),
    seq: z.number().int().meta({
      description: "open it in context with GET /chats/{chat_id}/messages?around_seq=seq",
    }),
    sender_id: z.number().int(),
    created_at: isoDate,
    rank: z.number(),
    snippet: z.string().meta({
      description:
        "plain text (never HTML): a fragment of the message around the words found, at most 300 characters",
    }),
    highlights: z.array(z.tuple([z.number().int(), z.number().int()])).meta({
      description:
        "[start, end) ranges of `snippet` (UTF-16 code units, as JavaScript indexes strings) that matched",
    }),
  })
  .meta({ id: "SearchHit" });

export const SearchResponse = z
  .object({
    results: z.array(SearchHit).meta({ description: "best match first (rank, then newest)" }),
    next_before: z.string().nullable().meta({
      description: "give it as `before` for the next page; null when nothing more matched",
    }),
  })
  .meta({ id: "SearchResponse" });
