/**
 * The encrypted files met in messages (their references came inside MLS messages), by attachment
 * id: what the views draw of them and what a link to one decrypts (encrypted-files.ts). Kept apart
 * from encrypted-files.ts so the views need no cryptography: that loads with the encryption chunk.
 */
import type { EncryptedFileRef } from "@chat/client";
import type { Attachment } from "../logic/types.ts";

/** Encrypted files met in messages, by attachment id: what a link to one decrypts. */
const known = new Map<string, EncryptedFileRef>();

/** The real file names, types and sizes of a message's encrypted files, as the views draw files. */
export function encryptedAttachments(
  refs: readonly EncryptedFileRef[] | undefined,
): Attachment[] | undefined {
  if (!refs || refs.length === 0) return undefined;
  return refs.map((r) => {
    known.set(r.id, r);
    return {
      id: r.id,
      name: r.name,
      size: r.size,
      mime: r.mime,
      ...(r.width && r.height && { width: r.width, height: r.height }),
      url: `e2e:${r.id}`,
      ...(r.thumbnail && { thumbnail_url: `e2e:${r.id}/thumbnail` }),
      encrypted: true as const,
    };
  });
}

/** Whether links to this attachment are made by decrypting (an encrypted chat's file). */
export const isEncryptedFile = (id: string) => known.has(id);

/** The reference (key, IV, hash) of an encrypted file met in a message. */
export const knownFile = (id: string): EncryptedFileRef | undefined => known.get(id);
