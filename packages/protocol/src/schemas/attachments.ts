import { z } from "zod";
import { API_PREFIX } from "../api-prefix.ts";

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
  })
  .meta({ id: "Attachment" });

/** How many files one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** The paths an attachment's `url` and `thumbnail_url` name (under the API prefix). */
export const attachmentPaths = (id: string) => ({
  url: `${API_PREFIX}/attachments/${id}`,
  thumbnail_url: `${API_PREFIX}/attachments/${id}/thumbnail`,
});
