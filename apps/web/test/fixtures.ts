/** Small builders for the unit tests. */
import type { ChatSummary, Message } from "../src/logic/types.ts";

export const ME = 1;

export function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: 1000 + seq,
    chat_id: 7,
    seq,
    sender_id: 2,
    client_id: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`,
    text: `message ${seq}`,
    created_at: new Date(Date.UTC(2026, 10, 25, 12, 0, seq)).toISOString(),
    edited_at: null,
    deleted_at: null,
    ...over,
  };
}

export function summary(over: Partial<ChatSummary> = {}): ChatSummary {
  return {
    id: 7,
    type: "private",
    name: null,
    owner_id: ME,
    last_seq: 0,
    created_at: "2026-11-25T10:00:00.000Z",
    activity_at: "2026-11-25T10:00:00.000Z",
    role: "owner",
    last_read_seq: 0,
    unread_count: 0,
    members_count: 2,
    peer: { id: 2, name: "Bob" },
    last_message: null,
    last_message_preview: null,
    last_message_sender: null,
    ...over,
  };
}
