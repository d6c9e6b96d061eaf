/**
 * Messages the socket delivers: new ones go into their chat's timeline and summary, edits and
 * deletions replace what is shown. Ordering and de-duplication come from ChatSocket (by seq and
 * id) and Timeline (by seq and client_id); this file decides where a message goes.
 */
import { applyMessage } from "../logic/chat-list.ts";
import type { Message } from "../logic/types.ts";
import type { Parts } from "./parts.ts";

export class Incoming {
  /** Messages that arrived before the chat list did, or for a chat being fetched. */
  private early: Message[] = [];

  constructor(private readonly p: Parts) {}

  message(m: Message): void {
    const s = this.p.store;
    const e = s.chats.get(m.chat_id);
    if (!e || !s.chatsLoaded) {
      // A chat this page does not know yet (just added): fetch it once, then apply these.
      const fetching = this.early.some((x) => x.chat_id === m.chat_id);
      this.early.push(m);
      if (s.chatsLoaded && !fetching) void this.p.chatList.refresh(m.chat_id);
      return;
    }
    e.timeline.upsert([m]);
    applyMessage(e.summary, m, s.me.id, this.p.receipts.isReading(m.chat_id));
    if (m.sender_id === s.me.id) this.p.sends.stored(m);
    s.typing.clear(m.chat_id, m.sender_id);
    // A sender this page has no name for (a group not opened yet): the summary carries it.
    if (!s.names.has(m.sender_id)) void this.p.chatList.refresh(m.chat_id);
    this.p.receipts.markRead();
    this.p.screen.render();
  }

  /** An edit or a deletion (the message as it is now). */
  changed(m: Message): void {
    const e = this.p.store.chats.get(m.chat_id);
    if (!e) return;
    e.timeline.upsert([m]);
    if (e.summary.last_message?.id === m.id) e.summary.last_message = m;
    this.p.screen.render();
  }

  /**
   * Applies the messages held back for one chat (just fetched), or for every chat once the list
   * has loaded; those of chats still unknown then are dropped (the list is newer than they are).
   */
  applyEarly(chatId?: number): void {
    const now = chatId === undefined ? this.early : this.early.filter((m) => m.chat_id === chatId);
    this.early = chatId === undefined ? [] : this.early.filter((m) => m.chat_id !== chatId);
    for (const m of now) if (this.p.store.chats.has(m.chat_id)) this.message(m);
  }
}
