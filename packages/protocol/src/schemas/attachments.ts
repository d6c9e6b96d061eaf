import { z } from "zod";
import { API_PREFIX } from "../api-prefix.ts";
import { isoDate, storable } from "./common.ts";

/**
 * A file as every message answer carries it (issue 16): events, `message:batch`, `sync`, paging,
 * the chat list's last message. The bytes are fetched through `url` (and `thumbnail_url` for
 * images): both are API paths that check, at the moment of the request, that the caller is a
 * member of the chat the file was sent to, and answer with a short-lived link to the bytes.
 */
export const AttachmentSchema = z
  .object({
    id: z.uuid(),
    /** The uploader's file name, cleaned of any path and control characters. */
    name: z.string(),
    /** Bytes, as stored. */
    size: z.number().int().nonnegative(),
    /** The type found in the content at completion (not the client's word). */
    mime: z.string(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    /** `/api/v1/attachments/{id}`: a redirect to a short-lived link to the bytes. */
    url: z.string(),
    /** `/api/v1/attachments/{id}/thumbnail`, for images only. */
    thumbnail_url: z.string().optional(),
    /**
     * Encrypted by its sender (a file of an end-to-end encrypted chat): opaque bytes, `name` is
     * ENCRYPTED_FILE_NAME and `mime` application/octet-stream; the real ones, the key and the
     * thumbnail's id are inside the MLS message.
     */
    encrypted: z.literal(true).optional(),
  })
  .meta({ id: "Attachment" });

/** The name the server keeps and serves for an encrypted upload (the real one is in the MLS message). */
export const ENCRYPTED_FILE_NAME = "encrypted.bin";
/** The only type an encrypted upload may announce, stored and served. */
export const ENCRYPTED_FILE_MIME = "application/octet-stream";

/** How many files one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** The paths an attachment's `url` and `thumbnail_url` name (under the API prefix). */
export const attachmentPaths = (id: string) => ({
  url: `${API_PREFIX}/attachments/${id}`,
  thumbnail_url: `${API_PREFIX}/attachments/${id}/thumbnail`,
});

/**
 * `POST /attachments`: ask to upload one file. `encrypted: true` (a file or thumbnail of an
 * end-to-end encrypted chat, encrypted by the client): no `name` may be sent (refused, so a
 * client that would leak it learns at once), `mime` is left out or application/octet-stream, and
 * the server stores the bytes as they come, never looking into them.
 */
export const CreateUploadBody = z
  .strictObject({
    /** The file's name as the client has it; stored cleaned (no path, no control characters). Not with `encrypted`. */
    name: storable(z.string().min(1).max(1024)).optional(),
    /** Bytes the client will send: exactly these, no more. */
    size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    /** The client's guess of the type (e.g. from the file picker); the stored type comes from the content. */
    mime: z
      .string()
      .max(127)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, "a media type such as image/png")
      .optional(),
    /** The bytes are encrypted by the client (an encrypted chat's file): stored and served as opaque bytes. */
    encrypted: z.literal(true).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.encrypted) {
      if (b.name !== undefined)
        ctx.addIssue({ code: "custom", path: ["name"], message: "must be left out for an encrypted file" });
      if (b.mime !== undefined && b.mime !== ENCRYPTED_FILE_MIME)
        ctx.addIssue({
          code: "custom",
          path: ["mime"],
          message: `must be ${ENCRYPTED_FILE_MIME} or left out`,
        });
    } else {
      if (b.name === undefined) ctx.addIssue({ code: "custom", path: ["name"], message: "is required" });
      if (b.mime === undefined) ctx.addIssue({ code: "custom", path: ["mime"], message: "is required" });
    }
  })
  .meta({ id: "CreateUploadBody" });

export const UploadTargetSchema = z
  .object({
    method: z.literal("PUT"),
    /** Absolute (object storage) or relative to this API's origin (the node itself). */
    url: z.string(),
    /** Send these headers as given: the link is bound to them. */
    headers: z.record(z.string(), z.string()),
  })
  .meta({ id: "UploadTarget" });

export const CreateUploadResponse = z
  .object({
    id: z.uuid(),
    upload: UploadTargetSchema,
    /** The upload link is refused after this moment. */
    expires_at: isoDate,
  })
  .meta({ id: "CreateUploadResponse" });

export const AttachmentIdParams = z.strictObject({ attachment_id: z.uuid() });

export const AttachmentLinkQuery = z.strictObject({
  /** `thumbnail`: the image's small WebP preview (images only). */
  variant: z.enum(["original", "thumbnail"]).optional(),
});

/** A short-lived link to an attachment's bytes (what the 302 of `url` points at). */
export const AttachmentLinkResponse = z
  .object({ url: z.string(), expires_at: isoDate })
  .meta({ id: "AttachmentLink" });

/**
 * `attachment_ids` of a send: up to MAX_ATTACHMENTS_PER_MESSAGE distinct ids of the sender's own
 * ready uploads not yet attached to a message (checked by the server in the send's transaction:
 * `attachment_unusable` otherwise). Their order is the message's order of files.
 */
export const attachmentIds = z
  .array(z.uuid())
  .max(MAX_ATTACHMENTS_PER_MESSAGE, `must hold at most ${MAX_ATTACHMENTS_PER_MESSAGE} ids`)
  .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, "must not repeat an id");

/** "📎 a.pdf, b.png": how a message's files read where only text can show. */
export const attachmentsLine = (attachments: ReadonlyArray<{ name: string }>) =>
  `📎 ${attachments.map((a) => a.name).join(", ")}`;

/**
 * A message as plain text (the origin surface, the chat list's preview): its text, the file names
 * after it on their own line, or the names alone when there is no text.
 */
export function textWithAttachments(text: string, attachments?: ReadonlyArray<{ name: string }>): string {
  if (!attachments || attachments.length === 0) return text;
  return text === "" ? attachmentsLine(attachments) : `${text}\n${attachmentsLine(attachments)}`;
}
