/**
 * The parts of the signed-in client and what they share; app.ts builds them and is this object.
 * Each part reaches the others through it when it acts, not when it is built: they call each
 * other both ways (a message for an unknown chat fetches the chat; dropping the open chat closes it).
 */
import type { ChatSocket } from "@chat/client/core";
import type { Api } from "../api.ts";
import type { Credentials } from "../credentials.ts";
import type { Account } from "./account.ts";
import type { EncryptionDevices } from "./encryption-devices.ts";
import type { Sends } from "../sends.ts";
import type { Store } from "../store.ts";
import type { ChatList } from "./chat-list.ts";
import type { ConnectionState } from "./connection-state.ts";
import type { ActiveChat } from "./active-chat.ts";
import type { Incoming } from "./incoming.ts";
import type { Members } from "./members.ts";
import type { Presence } from "./presence.ts";
import type { Receipts } from "./receipts.ts";
import type { Screen } from "./screen.ts";
import type { TypingRelay } from "./typing-relay.ts";
import type { LazyEncryption } from "../encryption/lazy.ts";
import type { Uploads } from "./uploads.ts";
import type { FileLinks } from "./file-links.ts";
import type { Notifications } from "./notifications.ts";
import type { PushSubscriptions } from "./push-subscription.ts";

export interface Parts {
  readonly store: Store;
  readonly api: Api;
  readonly credentials: Credentials;
  readonly account: Account;
  readonly encryptionDevices: EncryptionDevices;
  readonly socket: ChatSocket;
  readonly sends: Sends;
  readonly screen: Screen;
  readonly chatList: ChatList;
  readonly incoming: Incoming;
  readonly activeChat: ActiveChat;
  readonly members: Members;
  readonly receipts: Receipts;
  readonly presence: Presence;
  readonly typingRelay: TypingRelay;
  readonly connectionState: ConnectionState;
  readonly encryption: LazyEncryption;
  readonly uploads: Uploads;
  readonly fileLinks: FileLinks;
  readonly notifications: Notifications;
  readonly pushSubscriptions: PushSubscriptions;
  /** Sends a message to a chat now, with the chat's ready files (a message that waited for them). */
  sendNow(chatId: number, text: string): void;
  /** Set once by stop(): timers and retries check it before acting. */
  readonly stopped: boolean;
  /** The server refused our token: back to the login form. */
  expire(): void;
  /** Set while my account is being deleted: its session ending is expected, not an expiry. */
  deleting: boolean;
  /** The account was deleted: back to the login form. */
  signedOut(): void;
}
