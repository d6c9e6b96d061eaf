/** What the views may ask the controller to do. */
import type { Attachment, PublicUser } from "../logic/types.ts";
import type { ReplyDraft, SearchHit } from "../logic/search-results.ts";
import type { Page, Panel } from "../store.ts";

export interface Actions {
  openChat(chatId: number | undefined): void;
  /** Sends the text with the chat's files; false when it cannot go (a file failed): keep the text. */
  send(text: string): boolean;
  /** Files picked, dropped or pasted into the open chat. */
  attach(files: File[]): void;
  cancelUpload(key: string): void;
  retryUpload(key: string): void;
  /** A short-lived link to an attachment's bytes; `again`: the last one stopped working. */
  fileLink(id: string, variant: "original" | "thumbnail", again?: boolean): Promise<string>;
  cachedLink(id: string, variant: "original" | "thumbnail"): string | undefined;
  download(file: Attachment): Promise<void>;
  retry(clientId: string): void;
  discard(clientId: string): void;
  edit(messageId: number, text: string): Promise<boolean>;
  remove(messageId: number): Promise<void>;
  loadOlder(): void;
  typing(): void;
  stopTyping(): void;
  searchUsers(query: string): Promise<PublicUser[]>;
  startPrivate(userId: number, encrypted?: boolean): Promise<void>;
  createGroup(name: string, memberIds: number[], encrypted?: boolean): Promise<boolean>;
  /** The safety numbers of the open (encrypted) chat's members. */
  showSafetyNumbers(): void;
  closeSafetyNumbers(): void;
  /** I compared a contact's new safety number: their current keys become the known ones. */
  acceptKeys(userId: number): void;
  addMember(userId: number): Promise<void>;
  removeMember(userId: number): Promise<void>;
  setPanel(panel: Panel): void;
  toggleMembers(): void;
  logout(): void;
  /** Mute or unmute the open chat (for all my devices). */
  toggleMute(): void;
  /** From a click: ask the browser's permission, then subscribe this device to Web Push. */
  enableNotifications(): Promise<void>;
  disableNotifications(): void;
  dismissNotifyOffer(): void;
  /** What I am typing in the open chat (kept per chat). */
  saveDraft(text: string): void;
  showPage(page: Page): void;
  endSession(id: string): Promise<void>;
  endOtherSessions(): Promise<void>;
  /** My encryption devices: rename (an error text, or undefined when done) and remove. */
  renameEncryptionDevice(id: string, name: string): Promise<string | undefined>;
  removeEncryptionDevice(id: string): Promise<void>;
  /** Account changes answer an error text for their form, or undefined when done. */
  rename(name: string): Promise<string | undefined>;
  changePassword(current: string, next: string): Promise<string | undefined>;
  deleteAccount(password: string): Promise<string | undefined>;
  /** Message search (issue 18): all my chats, or one ("this chat"). */
  searchMessages(query: string, scope: "all" | number): void;
  searchMore(): void;
  /** Opens a search result in its chat, scrolled to and highlighted. */
  openResult(hit: SearchHit): void;
  /** Opens a message of a chat in its context (a quote clicked): loaded around it if need be. */
  openMessage(chatId: number, seq: number): void;
  /** Fills the hole after `afterSeq` (left by opening a message in its context). */
  loadNewer(chatId: number, afterSeq: number): Promise<void>;
  /** The composer quotes this message (undefined: no more). */
  replyTo(chatId: number, message: ReplyDraft | undefined): void;
  /** Toggles my reaction on a message. */
  react(chatId: number, messageId: number, emoji: string): void;
}
