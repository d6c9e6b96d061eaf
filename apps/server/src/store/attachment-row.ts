/**
 * A message's files as the message queries read them (issue 16): one JSON array per message row,
 * built in the same statement as the row (a correlated subquery on `attachments(message_id,
 * position)`), so a page of messages and its files are one query, and the answer byte budget can
 * count them in its SQL running sum (domain/answer-budget.ts).
 */

/** One file of a message, as `attachmentsOf` builds it (snake_case, like the rest of the row). */
export interface AttachmentRow {
  id: string;
  name: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  /** A thumbnail was made (images): the wire shape then names its URL. */
  thumb: boolean;
  /** Encrypted by the client (an encrypted chat's file or thumbnail). */
  encrypted?: boolean;
}

/**
 * The SQL of a message's files, `AS attachments`: a JSON array in position order, or NULL when it
 * has none, when the message (table alias `alias`) is deleted, or when the row is absent.
 */
export const attachmentsOf = (alias: string) =>
  `(SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'size', coalesce(a.size, a.declared_size),
            'mime', coalesce(a.mime, a.declared_mime), 'width', a.width, 'height', a.height,
            'thumb', a.thumbnail_key IS NOT NULL, 'encrypted', a.encrypted) ORDER BY a.position)
      FROM attachments a
     WHERE a.message_id = ${alias}.id AND ${alias}.deleted_at IS NULL AND a.purged_at IS NULL) AS attachments`;
