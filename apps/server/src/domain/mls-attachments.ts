/**
 * Files of encrypted chats (issue 17, item 4): an MLS application message binds the sender's
 * encrypted uploads (files and their client-made thumbnails, each an opaque blob) to itself, in
 * the send's transaction under the chat's lock, the way a plain send does (store/message-writer.ts):
 * from then on they are readable by the chat's members, removed with the message and swept like
 * any file. The keys, names and types are inside the MLS message; the server sees only the blobs.
 */
import { AppError } from "@chat/protocol";
import type { Tx } from "../store/group-commit.ts";
import type { AttachmentRow } from "../store/attachment-row.ts";

/**
 * Locks the uploads an encrypted send asks for (`FOR UPDATE`, in id order; a read, so the send may
 * still be refused): each must be the sender's, ready, not yet sent, and encrypted. A plain upload
 * is refused too: the server has looked into it (sniffed, thumbnailed), which an encrypted chat's
 * file must never allow. Answers the files in the asked order.
 */
export async function lockEncryptedUploads(tx: Tx, userId: number, ids: string[]): Promise<AttachmentRow[]> {
  if (ids.length === 0) return [];
  const lower = ids.map((i) => i.toLowerCase());
  const { rows } = await tx.query<AttachmentRow & { uploader_id: number; usable: boolean }>(
    `SELECT id, uploader_id, name, coalesce(size, declared_size)::float8 AS size, coalesce(mime, declared_mime) AS mime,
            width, height, thumbnail_key IS NOT NULL AS thumb, encrypted,
            state = 'ready' AND encrypted AND message_id IS NULL AND chat_id IS NULL AND purged_at IS NULL AS usable
       FROM attachments WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [[...lower].sort()],
  );
  const found = new Map(rows.map((r) => [r.id, r]));
  const unusable = lower.filter((id) => {
    const r = found.get(id);
    return !r || r.uploader_id !== userId || !r.usable;
  });
  if (unusable.length > 0) throw new AppError("attachment_unusable", undefined, { attachment_ids: unusable });
  return lower.map((id) => {
    const { uploader_id: _u, usable: _ok, ...file } = found.get(id)!;
    return file;
  });
}

/** Binds locked uploads to the message just inserted, in order. */
export async function linkUploads(tx: Tx, messageId: number, chatId: number, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.write(
    `UPDATE attachments SET message_id = $1, chat_id = $2, position = l.pos
       FROM unnest($3::uuid[], $4::int[]) AS l(id, pos) WHERE attachments.id = l.id`,
    [messageId, chatId, ids, ids.map((_, i) => i)],
  );
}
