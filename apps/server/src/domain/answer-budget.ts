/**
 * The byte budget of an answer that returns messages (ANSWER_MAX_BYTES), applied in SQL: rows
 * are numbered and their JSON sizes summed in order, and only rows that fit come back. The node
 * never loads a 500 × 12 KB page to cut it afterwards; one small request cannot make it build a
 * huge answer.
 */

/** JSON bytes of a message besides its text (ids, client_id, three timestamps, keys): an upper bound. */
export const MESSAGE_JSON_OVERHEAD = 200;

/**
 * JSON bytes of one file of a message besides what its row's JSON (`attachmentsOf`) already holds:
 * its `url` and `thumbnail_url` (API paths with its id, keys and quotes): an upper bound.
 */
export const ATTACHMENT_JSON_OVERHEAD = 160;

/**
 * The SQL size of one message row `alias` of a page: its text, its files' JSON (when the page
 * selected `attachmentsOf`) and the fixed parts.
 */
export const messageJsonSize = (alias: string) =>
  `octet_length(${alias}.text) + ${MESSAGE_JSON_OVERHEAD}
   + coalesce(octet_length(${alias}.attachments::text) + ${ATTACHMENT_JSON_OVERHEAD} * json_array_length(${alias}.attachments), 0)`;

/** Columns every budgeted row carries besides its own. */
export type BudgetedRow<T> = T & {
  /** Rows of the page before the cut (the probe row for has_more included). */
  total: number;
  /** JSON bytes of the rows up to and including this one. */
  running: number;
};

/**
 * Wraps `page` (a SELECT with its own ORDER BY and LIMIT) so that only the rows whose running
 * size stays within `budgetParam` come back, in `order`; the first row always comes (a page always
 * moves forward), so an answer exceeds the budget by at most one row. `size` is an SQL
 * expression over `p` (the page's row).
 */
export function withinBudget(page: string, size: string, order: string, budgetParam: string): string {
  return `SELECT * FROM (
    SELECT p.*, row_number() OVER w AS rn, (sum(${size}) OVER w)::int AS running,
           (count(*) OVER ())::int AS total
      FROM (${page}) p
    WINDOW w AS (ORDER BY ${order} ROWS UNBOUNDED PRECEDING)) t
   WHERE t.rn = 1 OR t.running <= ${budgetParam}
   ORDER BY t.rn`;
}
