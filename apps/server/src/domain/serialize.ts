/** Database rows (snake_case, from pg or row_to_json) to the wire shapes of packages/protocol. */
import type { z } from "zod";
import { attachmentPaths, type AttachmentSchema, type ChatSchema, type MessageSchema } from "@chat/protocol";
import type { AttachmentRow } from "../store/attachment-row.ts";
import type { MessageRow } from "../store/message-row.ts";

export type WireMessage = z.output<typeof MessageSchema>;
export type WireChat = z.output<typeof ChatSchema>;
export type WireAttachment = z.output<typeof AttachmentSchema>;

type DateLike = Date | string;
const iso = (d: DateLike) => (d instanceof Date ? d : new Date(d)).toISOString();
const isoOrNull = (d: DateLike | null | undefined) => (d == null ? null : iso(d));

/** The message; `attachments` only when it has files and is not deleted (the field is omitted otherwise). */
export function toMessage(r: MessageRow): WireMessage {
  const m: WireMessage = {
    id: r.id,
    chat_id: r.chat_id,
    seq: r.seq,
    sender_id: r.sender_id,
    client_id: r.client_id,
    text: r.deleted_at == null ? r.text : "",
    created_at: iso(r.created_at),
    edited_at: isoOrNull(r.edited_at),
    deleted_at: isoOrNull(r.deleted_at),
  };
  if (r.deleted_at == null && r.attachments && r.attachments.length > 0)
    m.attachments = r.attachments.map(toAttachment);
  if (r.reply) m.reply_to = r.reply;
  if (r.deleted_at == null && r.reactions && r.reactions.length > 0) m.reactions = r.reactions;
  if (r.kind !== undefined && r.kind !== "text") {
    // An encrypted chat's message: its bytes are the MLS part, never the text.
    m.text = "";
    if (r.deleted_at == null)
      m.mls = {
        kind: MLS_KINDS[r.kind],
        epoch: Number(r.epoch ?? 0),
        device_id: r.sender_device ?? null,
        data: r.text,
        ...(r.refers_to != null && { refers_to: r.refers_to }),
      };
  }
  return m;
}

const MLS_KINDS = { mls_app: "application", mls_commit: "commit", mls_proposal: "proposal" } as const;

export function toAttachment(a: AttachmentRow): WireAttachment {
  const { url, thumbnail_url } = attachmentPaths(a.id);
  return {
    id: a.id,
    name: a.name,
    size: Number(a.size),
    mime: a.mime,
    ...(a.width != null && { width: a.width }),
    ...(a.height != null && { height: a.height }),
    url,
    ...(a.thumb && { thumbnail_url }),
    ...(a.encrypted === true && { encrypted: true as const }),
  };
}

export interface ChatRow {
  id: number;
  type: "private" | "group";
  name: string | null;
  owner_id: number | null;
  last_seq: number;
  created_at: DateLike;
  activity_at: DateLike;
  encrypted?: boolean;
}

export function toChat(r: ChatRow): WireChat {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    owner_id: r.owner_id,
    last_seq: r.last_seq,
    created_at: iso(r.created_at),
    activity_at: iso(r.activity_at),
    encrypted: r.encrypted === true,
  };
}

/** Prisma's camelCase Chat model to the same row shape. */
export function chatRowFromModel(c: {
  id: number;
  type: "private" | "group";
  name: string | null;
  ownerId: number | null;
  lastSeq: number;
  createdAt: Date;
  activityAt: Date;
  encrypted?: boolean;
}): ChatRow {
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    owner_id: c.ownerId,
    last_seq: c.lastSeq,
    created_at: c.createdAt,
    activity_at: c.activityAt,
    encrypted: c.encrypted,
  };
}
