/** The chat list's rules: ordering by activity, titles, previews and unread counts kept live. */
import type { ChatSummary, Message } from "./types.ts";

export function sortChats<T extends Pick<ChatSummary, "id" | "activity_at">>(chats: Iterable<T>): T[] {
  return [...chats].sort((a, b) => b.activity_at.localeCompare(a.activity_at) || b.id - a.id);
}

export function chatTitle(chat: Pick<ChatSummary, "type" | "name" | "peer">): string {
  if (chat.type === "group") return chat.name ?? "Group";
  return chat.peer?.name ?? chat.name ?? "Private chat";
}

export function previewText(m: Message | null, me: number, senderName: (id: number) => string): string {
  if (!m) return "No messages yet";
  const body = m.deleted_at
    ? "Message deleted"
    : m.mls
      ? "Encrypted message"
      : m.text.replace(/\s+/g, " ").trim();
  const who = m.sender_id === me ? "You" : senderName(m.sender_id);
  return `${who}: ${body}`;
}

/**
 * Applies a message that arrived (live or by sync) to the chat's summary: last message, last
 * seq, activity time, and one more unread when someone else wrote it and I am not looking at the
 * chat. A seq the summary already counts (a refreshed summary, then the same message by sync)
 * changes nothing, so a message is never counted twice.
 */
export function applyMessage(chat: ChatSummary, m: Message, me: number, reading: boolean): void {
  if (m.seq >= (chat.last_message?.seq ?? 0)) chat.last_message = m;
  if (m.created_at > chat.activity_at) chat.activity_at = m.created_at;
  if (m.seq <= chat.last_seq) return;
  chat.last_seq = m.seq;
  // An MLS commit or proposal is not something to read (the server does not count them either).
  const readable = !m.mls || m.mls.kind === "application";
  if (m.sender_id !== me && readable && m.seq > chat.last_read_seq && !m.deleted_at && !reading)
    chat.unread_count += 1;
}

/** My read cursor moved (here or on another device): what is behind it is no longer unread. */
export function applyMyCursor(chat: ChatSummary, seq: number): "cleared" | "unchanged" | "unknown" {
  if (seq <= chat.last_read_seq) return "unchanged";
  chat.last_read_seq = seq;
  if (seq >= chat.last_seq) {
    chat.unread_count = 0;
    return "cleared";
  }
  // Some unread messages remain and only the server can count them.
  return "unknown";
}

/**
 * A summary fetched from the server meets the one kept live here. Whichever has seen the later
 * message wins for the message-related fields (a fetch answered before a live message arrived
 * must not hide it); read cursors only move forward.
 */
export function mergeSummary(local: ChatSummary, incoming: ChatSummary): ChatSummary {
  const merged = { ...incoming };
  if (local.last_seq > incoming.last_seq) {
    merged.last_seq = local.last_seq;
    merged.last_message = local.last_message;
    merged.activity_at = local.activity_at;
    merged.unread_count = local.unread_count;
  }
  if (local.last_read_seq > incoming.last_read_seq) {
    merged.last_read_seq = local.last_read_seq;
    merged.unread_count = Math.min(merged.unread_count, local.unread_count);
  }
  return merged;
}
