/**
 * The idempotency decision of a batch of sends, without the database: what the writer found under
 * the chats' locks goes in, one decision per send comes out (store/message-writer.ts applies them).
 * A (chat, sender, client_id) already stored is a duplicate of that row; the same key twice in one
 * batch is written once, the later sends answered as duplicates of the first. A new send with
 * files may take only uploads of its sender that are ready and not yet attached, and each one only
 * once in the batch (the first send that asks for it wins), and not encrypted ones (those go only with MLS sends into an
 * encrypted chat): otherwise it is refused with
 * `attachment_unusable` before anything is written (a duplicate links nothing, so is not checked).
 */
import type { MessageRow } from "./message-row.ts";

export interface SendKey {
  chatId: number;
  senderId: number;
  clientId: string;
  /** Uploads to link to the message, in order (distinct; validated at the edge). */
  attachmentIds?: string[];
}

/** What the transaction saw of one asked-for upload, under its row lock. */
export interface AttachmentFacts {
  uploaderId: number;
  /** Ready, not attached to a message, bytes not purged. */
  free: boolean;
  /** Encrypted by the client: fit only for an encrypted chat (whose sends are MLS sends). */
  encrypted?: boolean;
}

/** What the batch's transaction saw: locked chats, members, rows already stored. */
export interface SendFacts {
  chatExists(chatId: number): boolean;
  /** End-to-end encrypted: the server takes no plaintext there (MLS sends go elsewhere). */
  chatEncrypted?(chatId: number): boolean;
  isMember(chatId: number, senderId: number): boolean;
  stored: MessageRow[];
  /** The asked-for uploads that exist, by lower-case id. */
  attachments?: Map<string, AttachmentFacts>;
}

export type SendDecision =
  | { kind: "refuse"; code: "chat_not_found" | "not_a_member" | "encrypted_chat" }
  | { kind: "refuse"; code: "attachment_unusable"; attachmentIds: string[] }
  | { kind: "stored"; row: MessageRow }
  | { kind: "same_as"; index: number }
  | { kind: "new" };

/** Client ids are uuids: compared case-insensitively, as PostgreSQL's uuid type does. */
const sendKey = (chatId: number, senderId: number, clientId: string) =>
  `${chatId}:${senderId}:${clientId.toLowerCase()}`;

export function decideSends(batch: SendKey[], facts: SendFacts): SendDecision[] {
  const stored = new Map(facts.stored.map((r) => [sendKey(r.chat_id, r.sender_id, r.client_id), r]));
  const firstInBatch = new Map<string, number>();
  const claimed = new Set<string>();
  return batch.map((p, i): SendDecision => {
    if (!facts.chatExists(p.chatId)) return { kind: "refuse", code: "chat_not_found" };
    if (!facts.isMember(p.chatId, p.senderId)) return { kind: "refuse", code: "not_a_member" };
    if (facts.chatEncrypted?.(p.chatId)) return { kind: "refuse", code: "encrypted_chat" };
    const k = sendKey(p.chatId, p.senderId, p.clientId);
    const old = stored.get(k);
    if (old) return { kind: "stored", row: old };
    const first = firstInBatch.get(k);
    if (first !== undefined) return { kind: "same_as", index: first };
    const ids = (p.attachmentIds ?? []).map((a) => a.toLowerCase());
    const unusable = ids.filter((a) => {
      const f = facts.attachments?.get(a);
      return !f || f.uploaderId !== p.senderId || !f.free || f.encrypted === true || claimed.has(a);
    });
    if (unusable.length > 0) return { kind: "refuse", code: "attachment_unusable", attachmentIds: unusable };
    for (const a of ids) claimed.add(a);
    firstInBatch.set(k, i);
    return { kind: "new" };
  });
}
