/**
 * The chat list: loaded over REST at start and after each reconnect, one chat fetched when the
 * socket mentions a chat this page does not know, and chats dropped when I am no longer in them.
 */
import { ApiError } from "@chat/client/core";
import { chatTitle } from "../logic/chat-list.ts";
import type { ChatSummary } from "../logic/types.ts";
import type { ChatEntry } from "../store.ts";
import type { Parts } from "./parts.ts";

export class ChatList {
  constructor(private readonly p: Parts) {}

  async load(): Promise<void> {
    const { store: s, socket } = this.p;
    let list: ChatSummary[];
    try {
      list = (await this.p.api.call("listChats")).chats;
    } catch (err) {
      // A refused token has already ended the session; anything else is tried again.
      if (!(err instanceof ApiError && err.status === 401))
        setTimeout(() => !this.p.stopped && void this.load(), 2000);
      return;
    }
    const ids = new Set(list.map((c) => c.id));
    for (const id of [...s.chats.keys()]) if (!ids.has(id)) this.drop(id, false);
    for (const c of list) this.add(c);
    s.chatsLoaded = true;
    this.p.incoming.applyEarly();
    if (socket.socket.connected) void socket.resync();
    void this.p.presence.load(list.flatMap((c) => (c.peer ? [c.peer.id] : [])));
    if (s.activeChatId !== undefined) {
      if (s.chats.has(s.activeChatId)) this.p.activeChat.open(s.activeChatId, false);
      else this.p.activeChat.open(undefined, false);
    }
    this.p.screen.render();
  }

  add(c: ChatSummary): ChatEntry {
    const known = this.p.store.chats.has(c.id);
    const e = this.p.store.entry(c);
    if (known) return e;
    // Only a chat new to this page is tracked from the summary's seq. Raising the seq of a chat
    // already tracked would skip whatever the socket has not delivered yet (a resync in flight,
    // a broadcast on its way), and those messages would never show.
    this.p.socket.track(c.id, c.last_seq);
    for (const p of this.p.sends.unsent(c.id)) e.timeline.addPending(p);
    if (c.last_message) e.timeline.upsert([c.last_message]);
    this.p.encryption.prepare(e);
    return e;
  }

  async refresh(chatId: number): Promise<void> {
    try {
      const c = await this.p.api.call("getChat", { params: { chat_id: chatId } });
      const known = this.p.store.chats.has(chatId);
      this.add(c);
      if (!known && c.peer) void this.p.presence.load([c.peer.id]);
      this.p.incoming.applyEarly(chatId);
      this.p.screen.render();
    } catch (err) {
      if (err instanceof ApiError && (err.code === "not_a_member" || err.code === "chat_not_found"))
        this.drop(chatId, false);
    }
  }

  /** `tell`: say so when it was the open chat (I was removed, not leaving by my own hand). */
  drop(chatId: number, tell: boolean): void {
    const s = this.p.store;
    const e = s.chats.get(chatId);
    if (!e) return;
    s.chats.delete(chatId);
    if (s.activeChatId === chatId) {
      this.p.activeChat.open(undefined);
      if (tell) this.p.screen.notify(`You are no longer in ${chatTitle(e.summary)}`);
    }
    this.p.screen.render();
  }
}
