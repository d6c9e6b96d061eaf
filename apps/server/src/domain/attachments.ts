/**
 * Attachments (issue 16): asking for an upload, completing it, and the link to a file's bytes.
 * The bytes are in the BlobStore (storage/), never here; this module owns the rules: who may
 * fetch a file (members of the chat it was sent to, at the moment of the request, and its
 * uploader until it is sent), how large a file and a user's files may be, and what completion
 * checks. Linking uploads to a message (message_id, chat_id, position) is the send path's.
 */
import crypto from "node:crypto";
import { AppError, ENCRYPTED_FILE_MIME, ENCRYPTED_FILE_NAME, type CreateUploadBody } from "@chat/protocol";
import type { z } from "zod";
import type { DomainContext } from "./context.ts";
import { toAttachment, type WireAttachment } from "./serialize.ts";
import { enforce, type Limit } from "../cluster/rate-limit.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { cleanFileName, contentDisposition, servedType } from "../storage/content-disposition.ts";
import {
  ImageRefused,
  isImage,
  processImage,
  sniffType,
  type ImageWorkshop,
} from "../storage/file-checks.ts";

export interface AttachmentRules {
  /** MAX_UPLOAD_BYTES. */
  maxBytes: number;
  /** UPLOAD_QUOTA_BYTES (0: none). */
  quotaBytes: number;
  /** UPLOAD_WINDOW_SECONDS: the upload link's lifetime. */
  uploadSeconds: number;
  /** ATTACHMENT_LINK_SECONDS: a download link's lifetime. */
  linkSeconds: number;
  uploadsPerUser: Limit;
}

/** What the attachment rules need besides the domain context. */
export interface AttachmentDeps {
  ctx: DomainContext;
  blobs: BlobStore;
  rules: AttachmentRules;
  images: ImageWorkshop;
}

/** An `attachments` row as this module reads it (the whole row). */
export interface UploadRow {
  id: string;
  uploader_id: number;
  storage_key: string;
  thumbnail_key: string | null;
  name: string;
  declared_mime: string;
  declared_size: string;
  mime: string | null;
  size: string | null;
  width: number | null;
  height: number | null;
  state: "pending" | "ready" | "failed";
  fail_reason: string | null;
  /** Encrypted by the client (an encrypted chat's file): opaque bytes, never looked into. */
  encrypted: boolean;
  completed_at: Date | null;
}

/** A ready upload as messages carry it (serialize.ts's one wire shape). */
const wire = (r: UploadRow): WireAttachment =>
  toAttachment({
    id: r.id,
    name: r.name,
    size: Number(r.size ?? 0),
    mime: r.mime ?? "application/octet-stream",
    width: r.width,
    height: r.height,
    thumb: r.thumbnail_key != null,
    encrypted: r.encrypted,
  });

/**
 * Where an attachment's bytes live, from its id only (never from its name): the client's link
 * writes `upload`; completion moves it to `original` before checking it, so what was checked is
 * what is served even if the link is used again; images get a `thumbnail`.
 */
export const storageKeys = (id: string) => ({
  upload: `a/${id}/upload`,
  original: `a/${id}/original`,
  thumbnail: `a/${id}/thumbnail.webp`,
});

/** Serializes one user's quota check and insert: two asks at once cannot both squeeze under it. */
const QUOTA_LOCK = 16;

export async function createUpload(
  a: AttachmentDeps,
  userId: number,
  body: z.output<typeof CreateUploadBody>,
): Promise<{ id: string; upload: Awaited<ReturnType<BlobStore["uploadTarget"]>>; expires_at: string }> {
  const { rules } = a;
  await enforce(a.ctx.limiter, [[rules.uploadsPerUser, String(userId)]]);
  if (body.size > rules.maxBytes) {
    throw new AppError("file_too_large", `Files may be at most ${rules.maxBytes} bytes`, {
      max_bytes: rules.maxBytes,
    });
  }
  const id = crypto.randomUUID();
  const keys = storageKeys(id);
  // An encrypted file's name and type stay with the client (inside the MLS message).
  const encrypted = body.encrypted === true;
  const name = encrypted ? ENCRYPTED_FILE_NAME : cleanFileName(body.name!);
  const declaredMime = encrypted ? ENCRYPTED_FILE_MIME : body.mime!;
  const client = await a.ctx.db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [QUOTA_LOCK, userId]);
    if (rules.quotaBytes > 0) {
      // Ready files count by their real size; pending ones by the size asked for while their
      // link may still be used. Failed and removed ones do not count.
      const { rows } = await client.query<{ used: string }>(
        `SELECT COALESCE(SUM(COALESCE(size, declared_size)), 0) AS used FROM attachments
          WHERE uploader_id = $1 AND purged_at IS NULL
            AND (state = 'ready' OR (state = 'pending' AND created_at > now() - make_interval(secs => $2)))`,
        [userId, rules.uploadSeconds],
      );
      const used = Number(rows[0].used);
      if (used + body.size > rules.quotaBytes) {
        throw new AppError("quota_exceeded", undefined, { quota_bytes: rules.quotaBytes, used_bytes: used });
      }
    }
    await client.query(
      `INSERT INTO attachments (id, uploader_id, storage_key, name, declared_mime, declared_size, encrypted)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, userId, keys.original, name, declaredMime, body.size, encrypted],
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const upload = await a.blobs.uploadTarget(keys.upload, {
    size: body.size,
    contentType: declaredMime,
    expiresIn: rules.uploadSeconds,
  });
  return { id, upload, expires_at: new Date(Date.now() + rules.uploadSeconds * 1000).toISOString() };
}

/** How long a completion may hold its claim before another request may take it over. */
const CLAIM_SECONDS = 120;

async function refuse(a: AttachmentDeps, row: UploadRow, reason: string, message: string): Promise<never> {
  const keys = storageKeys(row.id);
  await Promise.all(Object.values(keys).map((k) => a.blobs.delete(k))).catch(() => undefined);
  await a.ctx.db.pool.query(
    `UPDATE attachments SET state = 'failed', fail_reason = $2, completed_at = now(), purged_at = now() WHERE id = $1`,
    [row.id, reason],
  );
  throw new AppError("attachment_rejected", message, { reason });
}

/**
 * Checks what arrived and marks the upload ready (answering the file as messages will carry it)
 * or failed (`attachment_rejected` with the reason). Repeating it answers the same outcome.
 */
export async function completeUpload(a: AttachmentDeps, userId: number, id: string): Promise<WireAttachment> {
  const pool = a.ctx.db.pool;
  const { rows } = await pool.query<UploadRow>(
    `SELECT * FROM attachments WHERE id = $1 AND uploader_id = $2 AND (purged_at IS NULL OR state = 'failed')`,
    [id, userId],
  );
  const row = rows[0];
  if (!row) throw new AppError("not_found");
  if (row.state === "ready") return wire(row);
  if (row.state === "failed") {
    throw new AppError("attachment_rejected", undefined, { reason: row.fail_reason });
  }
  // Claim it: one completion at a time (a double click, two devices), on any node.
  const claim = await pool.query(
    `UPDATE attachments SET completed_at = now()
      WHERE id = $1 AND state = 'pending'
        AND (completed_at IS NULL OR completed_at < now() - make_interval(secs => $2))`,
    [id, CLAIM_SECONDS],
  );
  if (claim.rowCount === 0) {
    throw new AppError("upload_incomplete", "This upload is being completed by another request");
  }
  const release = () => pool.query("UPDATE attachments SET completed_at = NULL WHERE id = $1", [id]);
  try {
    // Out of the link's reach first (an earlier attempt may have moved it already), then checked.
    const keys = storageKeys(id);
    if (await a.blobs.head(keys.upload)) await a.blobs.move(keys.upload, row.storage_key);
    const head = await a.blobs.head(row.storage_key);
    if (!head) throw new AppError("upload_incomplete");
    const declared = Number(row.declared_size);
    if (head.size === 0) return await refuse(a, row, "empty", "The file is empty");
    if (head.size > a.rules.maxBytes) return await refuse(a, row, "too_large", "The file is too large");
    if (head.size !== declared) {
      return await refuse(a, row, "size_mismatch", `${head.size} bytes arrived, ${declared} were announced`);
    }
    // An encrypted upload is stored byte for byte: no sniffing, no decoding, no thumbnail.
    const mime = row.encrypted ? ENCRYPTED_FILE_MIME : await sniffType(a.blobs, row.storage_key, head.size);
    let size = head.size;
    let dims: { width: number; height: number } | undefined;
    let thumbnailKey: string | null = null;
    if (!row.encrypted && isImage(mime)) {
      try {
        const img = await a.images.run(() =>
          processImage(a.blobs, row.storage_key, keys.thumbnail, mime, a.rules.maxBytes),
        );
        ({ size } = img);
        dims = { width: img.width, height: img.height };
        thumbnailKey = keys.thumbnail;
      } catch (err) {
        if (err instanceof ImageRefused) {
          return await refuse(
            a,
            row,
            err.reason,
            err.reason === "image_too_large" ? "The image has too many pixels" : "The image cannot be read",
          );
        }
        throw err;
      }
    }
    const done = await pool.query<UploadRow>(
      `UPDATE attachments SET state = 'ready', mime = $2, size = $3, width = $4, height = $5,
              thumbnail_key = $6, completed_at = now()
        WHERE id = $1 AND state = 'pending' RETURNING *`,
      [id, mime, size, dims?.width ?? null, dims?.height ?? null, thumbnailKey],
    );
    if (!done.rows[0]) throw new AppError("not_found");
    return wire(done.rows[0]);
  } catch (err) {
    if (!(err instanceof AppError && err.code === "attachment_rejected"))
      await release().catch(() => undefined);
    throw err;
  }
}

/**
 * A short-lived link to a file (or its thumbnail), for a caller allowed to see it right now: a
 * member of the chat it was sent to (while the message is not deleted), or its uploader while it
 * is not sent. Anyone else, and any id that does not exist, gets the same `not_found`.
 */
export async function attachmentLink(
  a: AttachmentDeps,
  userId: number,
  id: string,
  variant: "original" | "thumbnail" = "original",
): Promise<{ url: string; expires_at: string }> {
  const { rows } = await a.ctx.db.pool.query<UploadRow>(
    `SELECT a.* FROM attachments a LEFT JOIN messages m ON m.id = a.message_id
      WHERE a.id = $1 AND a.state = 'ready' AND a.purged_at IS NULL
        AND ((a.message_id IS NULL AND a.uploader_id = $2)
          OR (a.message_id IS NOT NULL AND m.deleted_at IS NULL
              AND EXISTS (SELECT 1 FROM chat_members cm WHERE cm.chat_id = a.chat_id AND cm.user_id = $2)))`,
    [id, userId],
  );
  const row = rows[0];
  if (!row || (variant === "thumbnail" && !row.thumbnail_key)) throw new AppError("not_found");
  const expiresIn = a.rules.linkSeconds;
  const mime = row.mime ?? "application/octet-stream";
  const url =
    variant === "thumbnail"
      ? await a.blobs.downloadUrl(row.thumbnail_key!, {
          disposition: contentDisposition(`${row.name}.thumbnail.webp`, "image/webp"),
          contentType: "image/webp",
          expiresIn,
        })
      : await a.blobs.downloadUrl(row.storage_key, {
          disposition: contentDisposition(row.name, mime),
          contentType: servedType(mime),
          expiresIn,
        });
  return { url, expires_at: new Date(Date.now() + expiresIn * 1000).toISOString() };
}
