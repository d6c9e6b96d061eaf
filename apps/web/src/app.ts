/**
 * The signed-in client: wires the REST client and the socket to the store, and implements what
 * the views ask for. Ordering and de-duplication of messages come from ChatSocket (by seq and id)
 * and from Timeline (by seq and client_id); this file decides what to fetch and when.
 */
import { AckError, ApiError, ChatSocket, type SyncedChat } from "@chat/client";
import type { ServerEventPayload } from "@chat/protocol";
import { applyMessage, applyMyCursor, chatTitle } from "./logic/chat-list.ts";
import { Outbox } from "./logic/outbox.ts";
import { TypingSender } from "./logic/typing.ts";
import type { ChatSummary, Member, Message, PublicUser } from "./logic/types.ts";
import type { Session } from "./session.ts";
import { Store, type ChatEntry, type Panel } from "./store.ts";
import type { Actions } from "./views/actions.ts";
import { Shell } from "./views/shell.ts";
import { Api } from "./api.ts";
import { Sends } from "./sends.ts";

const PAGE = 40;

export class ChatApp implements Actions {
  readonly store: Store;
  private readonly api: Api;
  private readonly socket: ChatSocket;
  private readonly sends: Sends;
  private readonly shell: Shell;
  /** Messages that arrived before the chat list did; applied once it has. */
  private early: Message[] = [];
  private firstConnect = true;
  private renderQueued = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly typingSenders = new Map<number, TypingSender>();
  private readonly cleanups: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly root: HTMLElement,
    session: Session,
    private readonly onSignedOut: (message?: string) => void,
  ) {
    this.store = new Store(session.user);
    this.api = new Api(session.token, () => this.expire());
    this.socket = new ChatSocket(location.origin, {
      token: session.token,
      ackTimeout: 4000,
      sendDeadline: 12_000,
    });
    this.sends = new Sends(
      this.store,
      this.socket,
      new Outbox(localStorage, `chat.outbox.${session.user.id}`),
      {
        render: this.render,
        notify: (m) => this.notify(m),
      },
    );
    this.shell = new Shell(this.store, this);
    root.replaceChildren(this.shell.el);
    this.wireSocket();
    this.wireWindow();
    this.store.activeChatId = chatIdFromPath(location.pathname);
    this.render();
    void this.loadChats();
  }

  // ---- rendering ------------------------------------------------------------------------------

  render = (): void => {
    if (this.renderQueued || this.stopped) return;
    this.renderQueued = true;
    // A microtask, not requestAnimationFrame: background tabs must stay current too.
    queueMicrotask(() => {
      this.renderQueued = false;
      if (this.stopped) return;
      this.shell.update();
      this.scheduleTypingExpiry();
    });
  };

  private scheduleTypingExpiry() {
    const next = this.store.typing.nextExpiry();
    clearTimeout(this.typingTimer);
    if (next !== undefined) this.typingTimer = setTimeout(this.render, Math.max(next - Date.now(), 0) + 50);
  }

  private notify(message: string) {
    this.store.notice = message;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.store.notice = undefined;
      this.render();
    }, 6000);
    this.render();
  }

  // ---- socket -----------------------------------------------------------------------------------

  private wireSocket() {
    const sk = this.socket;
    const s = this.store;
    const off = [
      sk.on("message", (m) => this.onMessage(m)),
      sk.on("message:updated", (m) => this.onChanged(m)),
      sk.on("message:deleted", (m) => this.onChanged(m)),
      sk.on("receipt:read", (r) => this.onCursor(r.chat_id, r.user_id, r.last_read_seq)),
      sk.on("receipt:fully_read", (r) => {
        const e = s.chats.get(r.chat_id);
        if (e && r.up_to_seq > e.fullyReadSeq) {
          e.fullyReadSeq = r.up_to_seq;
          this.render();
        }
      }),
      sk.on("synced", (c) => this.onSynced(c)),
      // ChatSocket would only try again on the next reconnect or gap: retry while connected.
      sk.on("sync_error", (err) => {
        console.warn("sync failed; trying again", err);
        setTimeout(() => !this.stopped && sk.socket.connected && void sk.resync(), 2000);
      }),
      sk.on("typing", (t) => {
        if (t.user_id === s.me.id) return;
        s.typing.set(t.chat_id, t.user_id, t.is_typing);
        this.render();
      }),
      sk.on("presence", (p) => {
        s.presence.set(p.user_id, p.online);
        this.render();
      }),
      sk.on("chat:added", ({ chat }) => void this.refreshChat(chat.id)),
      sk.on("chat:removed", ({ chat_id }) => this.dropChat(chat_id, true)),
      sk.on("chat:updated", (u) => this.onChatUpdated(u)),
      sk.on("session:expired", () => this.expire()),
      sk.on("connected", () => this.onConnected()),
    ];
    this.cleanups.push(() => off.forEach((f) => f()));
    sk.socket.on("disconnect", (reason) => {
      if (reason === "io client disconnect") return;
      s.connection = navigator.onLine ? "reconnecting" : "offline";
      this.render();
    });
    sk.socket.io.on("reconnect_attempt", (n) => {
      s.reconnectAttempt = n;
      s.connection = navigator.onLine ? "reconnecting" : "offline";
      this.render();
    });
    sk.socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
      const code = err.data?.code;
      if (code === "unauthorized" || code === "token_expired") return this.expire();
      if (s.connection === "online" || s.connection === "connecting") s.connection = "reconnecting";
      this.render();
      // A refusal by the server (not a transport error) stops socket.io's own retries.
      if (!sk.socket.active) setTimeout(() => !this.stopped && sk.socket.connect(), 2000);
    });
  }

  private onConnected() {
    const s = this.store;
    s.connection = "online";
    s.reconnectAttempt = 0;
    if (this.firstConnect) {
      this.firstConnect = false;
      // Close the window between the chat list's snapshot and the socket joining its rooms.
      if (s.chatsLoaded) void this.socket.resync();
    } else {
      // ChatSocket re-syncs messages itself; chats added or removed meanwhile come from the list,
      // and presence and members may have changed unseen.
      s.presence.clear();
      for (const e of s.chats.values()) e.membersStale = e.members !== undefined;
      void this.loadChats();
    }
    this.sends.retryFailed();
    this.markRead();
    this.render();
  }

  private onMessage(m: Message) {
    const s = this.store;
    const e = s.chats.get(m.chat_id);
    if (!e || !s.chatsLoaded) {
      // A chat this page does not know yet (just added): fetch it once, then apply these.
      const fetching = this.early.some((x) => x.chat_id === m.chat_id);
      this.early.push(m);
      if (s.chatsLoaded && !fetching) void this.refreshChat(m.chat_id);
      return;
    }
    e.timeline.upsert([m]);
    applyMessage(e.summary, m, s.me.id, this.isReading(m.chat_id));
    if (m.sender_id === s.me.id) this.sends.stored(m);
    s.typing.clear(m.chat_id, m.sender_id);
    this.markRead();
    this.render();
  }

  private onChanged(m: Message) {
    const e = this.store.chats.get(m.chat_id);
    if (!e) return;
    e.timeline.upsert([m]);
    if (e.summary.last_message?.id === m.id) e.summary.last_message = m;
    this.render();
  }

  private onCursor(chatId: number, userId: number, seq: number) {
    const s = this.store;
    const e = s.chats.get(chatId);
    if (!e) return;
    e.cursors.set(userId, seq);
    if (userId === s.me.id && applyMyCursor(e.summary, seq) === "unknown") void this.refreshChat(chatId);
    this.render();
  }

  private onSynced(c: SyncedChat) {
    const e = this.store.chats.get(c.chat_id);
    if (!e) return;
    for (const r of c.read_cursors) this.onCursor(c.chat_id, r.user_id, r.last_read_seq);
    e.fullyReadSeq = Math.max(e.fullyReadSeq, c.fully_read_seq);
    this.render();
  }

  private onChatUpdated(u: ServerEventPayload<"chat:updated">) {
    const e = this.store.chats.get(u.chat.id);
    if (!e) return;
    e.summary.members_count += u.change === "member_added" ? 1 : -1;
    if (e.members !== undefined) {
      if (u.chat.id === this.store.activeChatId) void this.loadMembers(e);
      else e.membersStale = true;
    }
    void this.refreshChat(u.chat.id);
  }

  // ---- loading ----------------------------------------------------------------------------------

  private async loadChats() {
    const s = this.store;
    let list: ChatSummary[];
    try {
      list = (await this.api.call("listChats")).chats;
    } catch (err) {
      // A refused token has already ended the session; anything else is tried again.
      if (!(err instanceof ApiError && err.status === 401))
        setTimeout(() => !this.stopped && void this.loadChats(), 2000);
      return;
    }
    const ids = new Set(list.map((c) => c.id));
    for (const id of [...s.chats.keys()]) if (!ids.has(id)) this.dropChat(id, false);
    for (const c of list) this.addChat(c);
    s.chatsLoaded = true;
    const early = this.early;
    this.early = [];
    for (const m of early) if (s.chats.has(m.chat_id)) this.onMessage(m);
    if (this.socket.socket.connected) void this.socket.resync();
    void this.loadPresence(list.flatMap((c) => (c.peer ? [c.peer.id] : [])));
    if (s.activeChatId !== undefined) {
      if (s.chats.has(s.activeChatId)) void this.openChat(s.activeChatId, false);
      else this.openChat(undefined, false);
    }
    this.render();
  }

  private addChat(c: ChatSummary): ChatEntry {
    const known = this.store.chats.has(c.id);
    const e = this.store.entry(c);
    if (known) return e;
    // Only a chat new to this page is tracked from the summary's seq. Raising the seq of a chat
    // already tracked would skip whatever the socket has not delivered yet (a resync in flight,
    // a broadcast on its way), and those messages would never show.
    this.socket.track(c.id, c.last_seq);
    for (const p of this.sends.unsent(c.id)) e.timeline.addPending(p);
    if (c.last_message) e.timeline.upsert([c.last_message]);
    return e;
  }

  private async refreshChat(chatId: number) {
    try {
      const c = await this.api.call("getChat", { params: { chat_id: chatId } });
      const known = this.store.chats.has(chatId);
      this.addChat(c);
      if (!known && c.peer) void this.loadPresence([c.peer.id]);
      const early = this.early.filter((m) => m.chat_id === chatId);
      this.early = this.early.filter((m) => m.chat_id !== chatId);
      for (const m of early) this.onMessage(m);
      this.render();
    } catch (err) {
      if (err instanceof ApiError && (err.code === "not_a_member" || err.code === "chat_not_found"))
        this.dropChat(chatId, false);
    }
  }

  private dropChat(chatId: number, tell: boolean) {
    const s = this.store;
    const e = s.chats.get(chatId);
    if (!e) return;
    s.chats.delete(chatId);
    if (s.activeChatId === chatId) {
      this.openChat(undefined);
      if (tell) this.notify(`You are no longer in ${chatTitle(e.summary)}`);
    }
    this.render();
  }

  private async loadPresence(userIds: number[]) {
    const s = this.store;
    const todo = [...new Set(userIds)].filter((u) => u !== s.me.id && !s.presence.has(u)).slice(0, 50);
    await Promise.all(
      todo.map((u) =>
        this.api.call("presence", { params: { user_id: u } }).then(
          (p) => void s.presence.set(u, p.online),
          () => undefined,
        ),
      ),
    );
    this.render();
  }

  private async loadNewest(e: ChatEntry) {
    const id = e.summary.id;
    try {
      const page = await this.api.call("listMessages", { params: { chat_id: id }, query: { limit: PAGE } });
      e.timeline.upsert(page.messages);
      e.timeline.loaded = true;
      this.markRead();
      this.render();
    } catch (err) {
      if (!(err instanceof ApiError)) this.notify("Could not load messages; trying again when reconnected");
    }
  }

  private async loadMembers(e: ChatEntry) {
    try {
      const out = await this.api.call("listMembers", { params: { chat_id: e.summary.id } });
      this.setMembers(e, out.members);
    } catch {
      // Stays stale: loaded again on the next open or reconnect.
    }
  }

  private setMembers(e: ChatEntry, members: Member[]) {
    const s = this.store;
    e.members = members;
    e.membersStale = false;
    e.cursors.keepOnly(members.map((m) => m.id));
    for (const m of members) {
      s.names.set(m.id, m.name);
      e.cursors.set(m.id, m.last_read_seq);
    }
    // Everyone else's cursor is past my message: it is read by all (the server's watermark
    // says the same; this spares a round trip when a chat is opened).
    const min = e.cursors.minOthers(s.me.id);
    if (min !== undefined) e.fullyReadSeq = Math.max(e.fullyReadSeq, min);
    void this.loadPresence(members.map((m) => m.id));
    this.render();
  }

  loadOlder(): void {
    const e = this.store.active;
    if (!e || e.loadingOlder || !e.timeline.hasOlder || !e.timeline.loaded) return;
    const before = e.timeline.oldestSeq;
    e.loadingOlder = true;
    this.render();
    this.api
      .call("listMessages", { params: { chat_id: e.summary.id }, query: { before_seq: before, limit: PAGE } })
      .then(
        (page) => {
          e.timeline.upsert(page.messages);
        },
        () => this.notify("Could not load older messages"),
      )
      .finally(() => {
        e.loadingOlder = false;
        this.render();
      });
  }

  // ---- reading ----------------------------------------------------------------------------------

  private isReading(chatId: number): boolean {
    return this.store.activeChatId === chatId && document.visibilityState === "visible";
  }

  /** Moves my read cursor to the newest message shown in the open chat (once per seq). */
  private markRead() {
    const e = this.store.active;
    if (!e || !this.isReading(e.summary.id) || !this.socket.socket.connected) return;
    const seq = e.timeline.newestSeq;
    if (seq <= e.summary.last_read_seq || seq <= e.readRequested) return;
    e.readRequested = seq;
    e.summary.unread_count = 0;
    this.socket.read(e.summary.id, seq).then(
      (ack) => this.onCursor(ack.chat_id, this.store.me.id, ack.last_read_seq),
      () => {
        e.readRequested = 0; // asked again on the next message, focus or reconnect
      },
    );
  }

  // ---- actions ----------------------------------------------------------------------------------

  openChat(chatId: number | undefined, push = true): void {
    const s = this.store;
    const changed = s.activeChatId !== chatId;
    if (changed) {
      const prev = s.activeChatId;
      if (prev !== undefined) this.typingSenders.get(prev)?.stop();
      s.activeChatId = chatId;
      s.membersOpen = false;
      s.panel = "none";
    }
    if (push) {
      const path = chatId === undefined ? "/" : `/c/${chatId}`;
      if (location.pathname !== path) history.pushState(null, "", path);
    }
    const e = s.active;
    if (e) {
      if (!e.timeline.loaded) void this.loadNewest(e); // again if an earlier try failed
      if (e.members === undefined || e.membersStale) void this.loadMembers(e);
      this.markRead();
    }
    this.render();
    if (e && changed) queueMicrotask(() => this.shell.conversation.focusComposer());
  }

  send(text: string): void {
    const e = this.store.active;
    if (!e) return;
    this.typingSenders.get(e.summary.id)?.stop();
    this.store.scrollToEnd = true;
    this.sends.send(e, text);
  }

  retry(clientId: string): void {
    this.sends.retry(clientId);
  }

  discard(clientId: string): void {
    this.sends.discard(clientId);
  }

  async edit(messageId: number, text: string): Promise<boolean> {
    const e = this.store.active;
    if (!e) return false;
    try {
      const m = await this.socket.request("message:edit", {
        chat_id: e.summary.id,
        message_id: messageId,
        text,
      });
      this.onChanged(m);
      return true;
    } catch (err) {
      this.notify(`Could not edit: ${errorText(err)}`);
      return false;
    }
  }

  async remove(messageId: number): Promise<void> {
    const e = this.store.active;
    if (!e) return;
    try {
      const m = await this.socket.request("message:delete", { chat_id: e.summary.id, message_id: messageId });
      this.onChanged(m);
    } catch (err) {
      this.notify(`Could not delete: ${errorText(err)}`);
    }
  }

  typing(): void {
    const id = this.store.activeChatId;
    if (id === undefined) return;
    let t = this.typingSenders.get(id);
    if (!t) {
      t = new TypingSender((is_typing) => {
        if (this.socket.socket.connected)
          this.socket.request("typing", { chat_id: id, is_typing }).catch(() => undefined);
      });
      this.typingSenders.set(id, t);
    }
    t.input();
  }

  stopTyping(): void {
    const id = this.store.activeChatId;
    if (id !== undefined) this.typingSenders.get(id)?.stop();
  }

  async searchUsers(query: string): Promise<PublicUser[]> {
    const out = await this.api.call("searchUsers", { query: { query, limit: 20 } });
    for (const u of out.users) if (!this.store.names.has(u.id)) this.store.names.set(u.id, u.name);
    return out.users.filter((u) => u.id !== this.store.me.id);
  }

  async startPrivate(userId: number): Promise<void> {
    try {
      const out = await this.api.call("createChat", { body: { chat_type: "private", member_ids: [userId] } });
      this.addChat(out.chat);
      if (out.chat.peer) void this.loadPresence([out.chat.peer.id]);
      this.store.panel = "none";
      this.openChat(out.chat.id);
    } catch (err) {
      this.notify(`Could not start the chat: ${errorText(err)}`);
    }
  }

  async createGroup(name: string, memberIds: number[]): Promise<boolean> {
    try {
      const out = await this.api.call("createChat", {
        body: { chat_type: "group", name, member_ids: memberIds },
      });
      this.addChat(out.chat);
      this.store.panel = "none";
      this.openChat(out.chat.id);
      return true;
    } catch (err) {
      this.notify(`Could not create the group: ${errorText(err)}`);
      return false;
    }
  }

  async addMember(userId: number): Promise<void> {
    const e = this.store.active;
    if (!e) return;
    try {
      await this.api.call("addMember", { params: { chat_id: e.summary.id }, body: { user_id: userId } });
      await this.loadMembers(e);
    } catch (err) {
      this.notify(`Could not add: ${errorText(err)}`);
    }
  }

  async removeMember(userId: number): Promise<void> {
    const e = this.store.active;
    if (!e) return;
    try {
      await this.api.call("removeMember", { params: { chat_id: e.summary.id, user_id: userId } });
      if (userId === this.store.me.id) this.dropChat(e.summary.id, false);
      else await this.loadMembers(e);
    } catch (err) {
      this.notify(`Could not remove: ${errorText(err)}`);
    }
  }

  setPanel(panel: Panel): void {
    this.store.panel = panel;
    this.render();
  }

  toggleMembers(): void {
    this.store.membersOpen = !this.store.membersOpen;
    const e = this.store.active;
    if (e && this.store.membersOpen && (e.members === undefined || e.membersStale)) void this.loadMembers(e);
    this.render();
  }

  logout(): void {
    this.stop();
    this.onSignedOut();
  }

  /** The server refused our token (expired, revoked, secret rotated): back to the login form. */
  private expire(): void {
    if (this.stopped) return;
    this.stop();
    this.onSignedOut("Your session has ended. Please log in again.");
  }

  // ---- window -----------------------------------------------------------------------------------

  private wireWindow() {
    const listen = (type: string, fn: () => void, target: EventTarget = window) => {
      target.addEventListener(type, fn);
      this.cleanups.push(() => target.removeEventListener(type, fn));
    };
    listen("popstate", () => this.openChat(chatIdFromPath(location.pathname), false));
    listen("focus", () => this.markRead());
    listen("visibilitychange", () => this.markRead(), document);
    listen("offline", () => {
      this.store.connection = "offline";
      this.render();
    });
    listen("online", () => {
      if (!this.socket.socket.connected) this.store.connection = "reconnecting";
      this.render();
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.typingSenders.values()) t.stop();
    clearTimeout(this.typingTimer);
    clearTimeout(this.noticeTimer);
    for (const c of this.cleanups) c();
    this.socket.close();
    this.root.replaceChildren();
  }
}

function chatIdFromPath(path: string): number | undefined {
  const m = /^\/c\/(\d{1,10})$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.body.message;
  if (err instanceof AckError) return err.error.message;
  return err instanceof Error ? err.message : "unknown error";
}
