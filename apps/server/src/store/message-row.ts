/** The `messages` table's row as pg returns it (snake_case), and the columns that make it. */
import type { AttachmentRow } from "./attachment-row.ts";
import type { ReactionRow } from "../domain/reactions.ts";
import type { ReplyRow } from "../domain/replies.ts";

type DateLike = Date | string;

export interface MessageRow {
  id: number;
  chat_id: number;
  seq: number;
  sender_id: number;
  client_id: string;
  text: string;
  created_at: DateLike;
  edited_at: DateLike | null;
  deleted_at: DateLike | null;
  /** text, or an MLS message of an encrypted chat (its base64 bytes in `text`): mls_app, mls_commit, mls_proposal. */
  kind?: "text" | "mls_app" | "mls_commit" | "mls_proposal";
  /** pg answers BIGINT as a string. */
  epoch?: string | number | null;
  sender_device?: string | null;
  refers_to?: number | null;
  /** The message this one replies to, and its quote when the query selected it (`replyOf`). */
  reply_to?: number | null;
  reply?: ReplyRow | null;
  /** Its files, when the query selected them (`attachmentsOf`); null or absent: none. */
  attachments?: AttachmentRow[] | null;
  /** Its reactions, when the query selected them (`reactionsOf`); null or absent: none. */
  reactions?: ReactionRow[] | null;
}

export const MESSAGE_COLUMNS =
  "id, chat_id, seq, sender_id, client_id, text, created_at, edited_at, deleted_at, kind, epoch, sender_device, refers_to, reply_to";

/** MESSAGE_COLUMNS qualified with a table alias (for joins). */
export const messageColumnsOf = (alias: string) =>
  MESSAGE_COLUMNS.split(", ")
    .map((c) => `${alias}.${c}`)
    .join(", ");
