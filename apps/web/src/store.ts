/** Everything the page shows, in one place; views read it, the controller (app.ts and its parts in controller/) changes it. */
import { mergeSummary } from "./logic/chat-list.ts";
import { ReadCursors } from "./logic/receipts.ts";
import { Timeline } from "./logic/timeline.ts";
import { TypingState } from "./logic/typing.ts";
import type { ChatSummary, EncryptionDevice, Me, Member, SessionInfo } from "./logic/types.ts";
import type { Drafts } from "./logic/drafts.ts";
import type { ReadText } from "./encryption/idb-key-store.ts";
import type { SafetyView } from "./encryption/safety.ts";
import type { GroupAlert } from "./encryption/group-alerts.ts";
import type { UploadItem } from "./logic/uploads.ts";
import { emptySearch, type ReplyDraft } from "./logic/search-results.ts";

type Connection = "connecting" | "online" | "reconnecting" | "offline";
export type Panel = "none" | "new-chat" | "new-group";
/** What the main area shows: the chats, or one of the account pages. */
export type Page = "chats" | "devices" | "settings";

interface Alerts {
  permission: NotificationPermission | "unsupported";
  /** Web Push of this browser: subscribed, off, being switched, or not possible here. */
  push: "on" | "off" | "busy" | "unsupported";
  /** The one-time "turn on notifications?" offer is showing. */
  offer: boolean;
}

export interface ChatEntry {
  summary: ChatSummary;
  timeline: Timeline;
  cursors: ReadCursors;
  /** My messages up to this seq are read by every other member (✓✓). */
  fullyReadSeq: number;
  /** Loaded when the chat is first opened, then kept live by chat:updated. */
  members: Member[] | undefined;
  membersStale: boolean;
  loadingOlder: boolean;
  /** The highest seq a read request was sent for (to send each once). */
  readRequested: number;
  /** The first message that was unread when the chat was opened (a "New messages" line above it). */
  firstUnread?: number;
}

export class Store {
  readonly chats = new Map<number, ChatEntry>();
  /** Names of everyone met so far (peers, members, search results, me). */
  readonly names = new Map<number, string>();
  readonly presence = new Map<number, boolean>();
  /** When each person offline was last seen (ISO), as far as the server tells (null: not shared). */
  readonly lastSeen = new Map<number, string | null>();
  /** System notifications and Web Push on this device (controller/notifications.ts, push-subscription.ts). */
  readonly alerts: Alerts = { permission: "default", push: "off", offer: false };
  readonly typing = new TypingState();
  chatsLoaded = false;
  activeChatId: number | undefined;
  connection: Connection = "connecting";
  reconnectAttempt = 0;
  panel: Panel = "none";
  page: Page = "chats";
  /** My sessions (the Devices page), loaded when it opens. */
  sessions: SessionInfo[] | undefined;
  /** My encryption (MLS) devices (the Devices page), loaded when it opens. */
  encryptionDevices: EncryptionDevice[] | undefined;
  membersOpen = false;
  notice: string | undefined;
  /** Set when I send, so the conversation scrolls to my message even if I had scrolled up. */
  scrollToEnd = false;
  /** What this device read of each message of an encrypted chat, by message id. */
  readonly decrypted = new Map<number, ReadText>();
  /** The safety numbers shown for an encrypted chat, if open. */
  safety: SafetyView | undefined;
  /** Encrypted chats whose MLS group this device is in (it can read and send). */
  readonly e2eJoined = new Set<number>();
  /** The epoch from which this device can read each encrypted chat. */
  readonly e2eJoinedAt = new Map<number, number>();
  /** What each encrypted chat warns about above its messages (a new array on every change). */
  readonly e2eAlerts = new Map<number, readonly GroupAlert[]>();
  /** Files on their way into each chat's next message (controller/uploads.ts). */
  readonly uploads = new Map<number, UploadItem[]>();
  /** A message written while its files were still uploading: sent once they all are. */
  readonly waitingSend = new Map<number, string>();
  /** Message search (views/search-view.ts, controller/search.ts). */
  search = emptySearch();
  /** A message to show in its context once loaded (a search result, a quote): scrolled to, highlighted. */
  jumpTo: { chatId: number; seq: number } | undefined;
  /** The message the composer replies to, per chat. */
  readonly replies = new Map<number, ReplyDraft>();

  constructor(
    readonly me: Me,
    readonly drafts: Drafts,
  ) {
    this.names.set(me.id, me.name);
  }

  get active(): ChatEntry | undefined {
    return this.activeChatId === undefined ? undefined : this.chats.get(this.activeChatId);
  }

  entry(summary: ChatSummary): ChatEntry {
    const cur = this.chats.get(summary.id);
    if (cur) {
      cur.summary = mergeSummary(cur.summary, summary);
    } else {
      this.chats.set(summary.id, {
        summary,
        timeline: new Timeline(this.me.id),
        cursors: new ReadCursors(),
        fullyReadSeq: 0,
        members: undefined,
        membersStale: false,
        loadingOlder: false,
        readRequested: 0,
      });
    }
    if (summary.peer) this.names.set(summary.peer.id, summary.peer.name);
    // The last message's sender, so the list says "Bob: …" before the group is opened.
    const sender = summary.last_message_sender;
    if (sender && !this.names.has(sender.id)) this.names.set(sender.id, sender.name);
    const e = this.chats.get(summary.id)!;
    e.cursors.set(this.me.id, e.summary.last_read_seq);
    return e;
  }

  nameOf(userId: number): string {
    if (userId === this.me.id) return "You";
    return this.names.get(userId) ?? `User ${userId}`;
  }

  canManage(e: ChatEntry): boolean {
    return e.summary.type === "group" && (e.summary.role === "owner" || e.summary.role === "admin");
  }
}
