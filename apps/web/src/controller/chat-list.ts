/**
 * The chat list: loaded over REST at start and after each reconnect, one chat fetched when the
 * socket mentions a chat this page does not know, and chats dropped when I am no longer in them.
 * The server cuts a long list at its answer budget (`has_more`, about 500 chats a page): the first
 * page shows at once, the others follow, up to MAX_PAGES.
 */
import { ApiError } from "@chat/client/core";
import { chatTitle } from "../logic/chat-list.ts";
import type { ChatSummary } from "../logic/types.ts";
import type { ChatEntry } from "../store.ts";
import type { Parts } from "./parts.ts";

/** Pages of the chat list read at most (about 500 chats each). */
const MAX_PAGES = 40;

export class ChatList {
  /** Bumped by each load, so a page of an older load is not applied after a newer one started. */
  private loads = 0;

  constructor(private readonly p: Parts) {}

  async load(): Promise<void> {
    const { store: s, socket } = this.p;
    const load = ++this.loads;
    let list: ChatSummary[];
    let more: boolean;
    try {
      ({ chats: list, has_more: more } = await this.p.api.call("listChats"));
    } catch (err) {
      // A refused token has already ended the session; anything else is tried again.
      if (!(err instanceof ApiError && err.status === 401))
        setTimeout(() => !this.p.stopped && void this.load(), 2000);
      return;
    }
    if (load !== this.loads) return;
    const ids = new Set(list.map((c) => c.id));
    // Chats gone from the list are dropped once the whole list is read.
    if (!more) for (const id of [...s.chats.keys()]) if (!ids.has(id)) this.drop(id, false);
    for (const c of list) this.add(c);
    s.chatsLoaded = true;
    this.p.incoming.applyEarly();
    if (socket.socket.connected) void socket.resync();
    void this.p.presence.load(list.flatMap((c) => (c.peer ? [c.peer.id] : [])));
    if (s.activeChatId !== undefined) {
      if (s.chats.has(s.activeChatId)) this.p.activeChat.open(s.activeChatId, false);
      else if (!more) this.p.activeChat.open(undefined, false);
    }
    this.p.screen.render();
    if (more) await this.loadRest(load, ids);
  }

  /** The pages after the first (`ids`: the chats read so far); then drops chats no page named. */
  private async loadRest(load: number, ids: Set<number>): Promise<void> {
    const s = this.p.store;
    for (let page = 1; page < MAX_PAGES; page++) {
      let got: { chats: ChatSummary[]; has_more: boolean };
      try {
        got = await this.p.api.call("listChats", { query: { offset: ids.size } });
      } catch {
        return; // the next load (reconnect, retry) reads the list again
      }
      if (load !== this.loads || this.p.stopped) return;
      const fresh = got.chats.filter((c) => !ids.has(c.id));
      for (const c of fresh) {
        ids.add(c.id);
        this.add(c);
      }
      void this.p.presence.load(fresh.flatMap((c) => (c.peer ? [c.peer.id] : [])));
      if (
        s.activeChatId !== undefined &&
        s.chats.has(s.activeChatId) &&
        fresh.some((c) => c.id === s.activeChatId)
      )
        this.p.activeChat.open(s.activeChatId, false);
      this.p.screen.render();
      if (!got.has_more || got.chats.length === 0) {
        for (const id of [...s.chats.keys()]) if (!ids.has(id)) this.drop(id, false);
        if (s.activeChatId !== undefined && !s.chats.has(s.activeChatId))
          this.p.activeChat.open(undefined, false);
        return;
      }
    }
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
