/**
 * The signed-in client: builds its parts (controller/*, one concern each), wires the socket and
 * the window to them, and answers what the views ask for by handing it to the part that does it.
 * Ordering and de-duplication of messages come from ChatSocket and Timeline (see incoming.ts).
 */
import { ChatSocket } from "@chat/client/core";
import { Outbox } from "./logic/outbox.ts";
import type { Attachment, PublicUser } from "./logic/types.ts";
import type { Session } from "./session.ts";
import { Store, type Panel } from "./store.ts";
import type { Actions } from "./views/actions.ts";
import { Shell } from "./views/shell.ts";
import { Api } from "./api.ts";
import { Sends } from "./sends.ts";
import { ChatList } from "./controller/chat-list.ts";
import { ConnectionState } from "./controller/connection-state.ts";
import { ActiveChat } from "./controller/active-chat.ts";
import { listenToSocket, listenToWindow } from "./controller/events.ts";
import { Incoming } from "./controller/incoming.ts";
import { Members } from "./controller/members.ts";
import { MessageActions } from "./controller/message-actions.ts";
import { NewChats } from "./controller/new-chats.ts";
import type { Parts } from "./controller/parts.ts";
import { Presence } from "./controller/presence.ts";
import { Receipts } from "./controller/receipts.ts";
import { chatIdFromPath, pageFromPath } from "./controller/routing.ts";
import { Screen } from "./controller/screen.ts";
import { TypingRelay } from "./controller/typing-relay.ts";
import { Uploads } from "./controller/uploads.ts";
import { FileLinks } from "./controller/file-links.ts";
import { Account } from "./controller/account.ts";
import { EncryptionDevices } from "./controller/encryption-devices.ts";
import { Notifications } from "./controller/notifications.ts";
import { PushSubscriptions } from "./controller/push-subscription.ts";
import { toggleMute } from "./controller/mute.ts";
import type { Credentials } from "./credentials.ts";
import { Drafts } from "./logic/drafts.ts";
import { deviceHint } from "./encryption/device-hint.ts";
import { LazyEncryption } from "./encryption/lazy.ts";
import type { Page } from "./store.ts";
import { MessageContext } from "./controller/message-context.ts";
import { Reactions } from "./controller/reactions.ts";
import { Search } from "./controller/search.ts";
import type { ReplyDraft, SearchHit } from "./logic/search-results.ts";

export class ChatApp implements Actions, Parts {
  readonly store: Store;
  readonly api: Api;
  readonly socket: ChatSocket;
  readonly screen: Screen;
  readonly sends: Sends;
  readonly chatList = new ChatList(this);
  readonly incoming = new Incoming(this);
  readonly activeChat = new ActiveChat(this);
  readonly members = new Members(this);
  readonly receipts = new Receipts(this);
  readonly presence = new Presence(this);
  readonly typingRelay = new TypingRelay(this);
  readonly connectionState = new ConnectionState(this);
  readonly encryption = new LazyEncryption(this);
  readonly uploads = new Uploads(this);
  readonly fileLinks = new FileLinks(this);
  readonly notifications = new Notifications(this);
  readonly pushSubscriptions = new PushSubscriptions(this);
  private readonly messages = new MessageActions(this);
  private readonly newChats = new NewChats(this);
  readonly account = new Account(this);
  readonly encryptionDevices = new EncryptionDevices(this);
  private readonly context = new MessageContext(this);
  private readonly search = new Search(this, this.context);
  private readonly reactions = new Reactions(this);
  private readonly cleanups: (() => void)[] = [];
  stopped = false;
  deleting = false;

  constructor(
    private readonly root: HTMLElement,
    session: Session,
    readonly credentials: Credentials,
    /** Back to the login form; `keepPlace`: the session ended, come back here after logging in. */
    private readonly onSignedOut: (message?: string, keepPlace?: boolean) => void,
  ) {
    this.store = new Store(session.user, new Drafts(localStorage, `chat.drafts.${session.user.id}`));
    this.api = new Api(credentials, () => this.expire());
    this.socket = new ChatSocket(location.origin, {
      token: credentials.token ?? "",
      ackTimeout: 4000,
      sendDeadline: 12_000,
      // Renewed before expiry over the open connection; every tab shares the refresh (credentials.ts).
      renewToken: () => credentials.fresh(),
      // This profile's MLS device, when it has one: encrypted sends need the socket to say so.
      deviceId: deviceHint(session.user.id),
    });
    const shell = new Shell(this.store, this);
    this.screen = new Screen(this, shell);
    this.sends = new Sends(
      this.store,
      this.socket,
      new Outbox(localStorage, `chat.outbox.${session.user.id}`),
      this.screen,
      (e, text, clientId, files) => this.encryption.send(e, text, clientId, files),
    );
    root.replaceChildren(shell.el);
    this.cleanups.push(listenToSocket(this), this.reactions.listen());
    this.connectionState.watch();
    this.cleanups.push(listenToWindow(this));
    this.cleanups.push(this.notifications.start(), this.pushSubscriptions.start());
    this.store.activeChatId = chatIdFromPath(location.pathname);
    this.store.page = pageFromPath(location.pathname);
    if (this.store.page !== "chats") this.account.opened();
    this.screen.render();
    void this.chatList.load();
    this.encryption.registerWhenIdle();
  }

  // ---- what the views ask for -------------------------------------------------------------------

  openChat(chatId: number | undefined, push = true): void {
    this.activeChat.open(chatId, push);
  }

  loadOlder(): void {
    this.activeChat.loadOlder();
  }

  send(text: string): boolean {
    return this.messages.send(text);
  }

  sendNow(chatId: number, text: string): void {
    this.messages.sendNow(chatId, text);
  }

  attach(files: File[]): void {
    const id = this.store.activeChatId;
    if (id !== undefined) this.uploads.add(id, files);
  }

  cancelUpload(key: string): void {
    this.uploads.cancel(key);
  }

  retryUpload(key: string): void {
    this.uploads.retry(key);
  }

  fileLink(id: string, variant: "original" | "thumbnail", again?: boolean): Promise<string> {
    return this.fileLinks.get(id, variant, again);
  }

  cachedLink(id: string, variant: "original" | "thumbnail"): string | undefined {
    return this.fileLinks.cached(id, variant);
  }

  download(file: Attachment): Promise<void> {
    return this.fileLinks.download(file);
  }

  retry(clientId: string): void {
    this.sends.retry(clientId);
  }

  discard(clientId: string): void {
    this.sends.discard(clientId);
  }

  edit(messageId: number, text: string): Promise<boolean> {
    return this.messages.edit(messageId, text);
  }

  remove(messageId: number): Promise<void> {
    return this.messages.remove(messageId);
  }

  typing(): void {
    this.typingRelay.input();
  }

  stopTyping(): void {
    this.typingRelay.stop(this.store.activeChatId);
  }

  searchUsers(query: string): Promise<PublicUser[]> {
    return this.newChats.searchUsers(query);
  }

  startPrivate(userId: number, encrypted = false): Promise<void> {
    return this.newChats.startPrivate(userId, encrypted);
  }

  createGroup(name: string, memberIds: number[], encrypted = false): Promise<boolean> {
    return this.newChats.createGroup(name, memberIds, encrypted);
  }

  showSafetyNumbers(): void {
    const e = this.store.active;
    if (e)
      this.encryption.safetyNumbers(e).catch(() => this.screen.notify("Could not load the safety numbers"));
  }

  closeSafetyNumbers(): void {
    this.store.safety = undefined;
    this.screen.render();
  }

  acceptKeys(userId: number): void {
    void this.encryption.acceptKeys(userId);
  }

  addMember(userId: number): Promise<void> {
    return this.members.add(userId);
  }

  removeMember(userId: number): Promise<void> {
    return this.members.remove(userId);
  }

  setPanel(panel: Panel): void {
    this.store.panel = panel;
    this.screen.render();
  }

  toggleMembers(): void {
    this.members.togglePanel();
  }

  saveDraft(text: string): void {
    const id = this.store.activeChatId;
    if (id !== undefined) this.store.drafts.set(id, text);
  }

  showPage(page: Page): void {
    this.account.show(page);
  }

  endSession(id: string): Promise<void> {
    return this.account.endSession(id);
  }

  endOtherSessions(): Promise<void> {
    return this.account.endOthers();
  }

  renameEncryptionDevice(id: string, name: string): Promise<string | undefined> {
    return this.encryptionDevices.rename(id, name);
  }

  removeEncryptionDevice(id: string): Promise<void> {
    return this.encryptionDevices.remove(id);
  }

  rename(name: string): Promise<string | undefined> {
    return this.account.rename(name);
  }

  changePassword(current: string, next: string): Promise<string | undefined> {
    return this.account.changePassword(current, next);
  }

  deleteAccount(password: string): Promise<string | undefined> {
    return this.account.deleteAccount(password);
  }

  toggleMute(): void {
    const id = this.store.activeChatId;
    if (id !== undefined) void toggleMute(this, id);
  }

  async enableNotifications(): Promise<void> {
    if ((await this.notifications.enable()) === "granted") await this.pushSubscriptions.subscribe();
  }

  disableNotifications(): void {
    this.notifications.disable();
    void this.pushSubscriptions.unsubscribe();
  }

  dismissNotifyOffer(): void {
    this.notifications.dismissOffer();
  }

  searchMessages(query: string, scope: "all" | number): void {
    this.search.find(query, scope);
  }

  searchMore(): void {
    this.search.more();
  }

  openResult(hit: SearchHit): void {
    this.search.open(hit);
  }

  openMessage(chatId: number, seq: number): void {
    void this.context.open(chatId, seq);
  }

  loadNewer(chatId: number, afterSeq: number): Promise<void> {
    return this.context.fillAfter(chatId, afterSeq);
  }

  replyTo(chatId: number, message: ReplyDraft | undefined): void {
    if (message) this.store.replies.set(chatId, message);
    else this.store.replies.delete(chatId);
    this.screen.render();
    if (message) this.screen.focusComposer();
  }

  react(chatId: number, messageId: number, emoji: string): void {
    void this.reactions.toggle(chatId, messageId, emoji);
  }

  logout(): void {
    // This browser's push subscription goes with the session (the server drops its copy too).
    void this.pushSubscriptions.unsubscribe();
    this.stop();
    void this.credentials.logout();
    this.onSignedOut();
  }

  /** The account is gone (deleted here): back to the login form, nothing to come back to. */
  signedOut(): void {
    this.stop();
    this.credentials.forget();
    this.onSignedOut();
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** The server refused our token (expired, revoked, secret rotated): back to the login form. */
  expire(): void {
    if (this.stopped || this.deleting) return;
    this.stop();
    this.onSignedOut("Your session has ended. Please log in again.", true);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.typingRelay.stopAll();
    this.uploads.stopAll();
    this.screen.stop();
    for (const c of this.cleanups) c();
    this.socket.close();
    this.root.replaceChildren();
  }
}
