/** Database rows (snake_case, from pg or row_to_json) to the wire shapes of packages/protocol. */
import type { z } from "zod";
import type { ChatSchema, MessageSchema } from "@chat/protocol";
import type { MessageRow } from "../store/message-row.ts";

export type WireMessage = z.output<typeof MessageSchema>;
export type WireChat = z.output<typeof ChatSchema>;

type DateLike = Date | string;
const iso = (d: DateLike) => (d instanceof Date ? d : new Date(d)).toISOString();
const isoOrNull = (d: DateLike | null | undefined) => (d == null ? null : iso(d));

export function toMessage(r: MessageRow): WireMessage {
  return {
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
}

export interface ChatRow {
  id: number;
  type: "private" | "group";
  name: string | null;
  owner_id: number | null;
  last_seq: number;
  created_at: DateLike;
  activity_at: DateLike;
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
}): ChatRow {
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    owner_id: c.ownerId,
    last_seq: c.lastSeq,
    created_at: c.createdAt,
    activity_at: c.activityAt,
  };
}
