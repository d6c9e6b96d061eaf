/**
 * System notifications (Notification API) of messages that arrive while no tab of the app is in
 * view: sender and a short preview (none for an encrypted message this device has not read), a
 * click brings the tab forward on the chat. Muted chats stay silent unless I am @mentioned.
 *
 * One notification per message however many tabs are open: the tabs of one account elect a single
 * notifier with a Web Lock (the next tab takes over when it closes), tell each other over a
 * BroadcastChannel whether they are in view, and the notifier shows nothing while any is. When this
 * browser receives Web Push (push-subscription.ts), the service worker shows the message instead:
 * the server pushes to a device that is not looking at the chat, hidden tab included.
 *
 * Permission is asked only from a click (Settings, or the one-time offer), never on load.
 */
import { textWithAttachments } from "@chat/protocol";
import { chatTitle } from "../logic/chat-list.ts";
import { isMuted, mentions } from "../logic/mentions.ts";
import type { Message } from "../logic/types.ts";
import type { Parts } from "./parts.ts";

const BODY_MAX = 120;
/** Older messages (a sync after a long sleep) are not announced one by one. */
const TOO_OLD_MS = 5 * 60_000;
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

type TabNote = { tab: string; visible: boolean } | { hello: string };

export class Notifications {
  private readonly tab = crypto.randomUUID();
  private notifier = false;
  private readonly visibleTabs = new Set<string>();
  private channel: BroadcastChannel | undefined;
  private release: (() => void) | undefined;
  private readonly shown: number[] = [];

  constructor(private readonly p: Parts) {}

  private get prefKey() {
    return `chat.notify.${this.p.store.me.id}`;
  }

  /** The person turned notifications off on this device (Settings). */
  get turnedOff(): boolean {
    return localStorage.getItem(this.prefKey) === "off";
  }

  start(): () => void {
    const s = this.p.store;
    const supported = typeof Notification !== "undefined";
    s.alerts.permission = supported ? Notification.permission : "unsupported";
    s.alerts.offer =
      supported && Notification.permission === "default" && !localStorage.getItem(`${this.prefKey}.offered`);
    const id = s.me.id;
    if (typeof BroadcastChannel !== "undefined") {
      this.channel = new BroadcastChannel(`chat.tabs.${id}`);
      this.channel.onmessage = (ev: MessageEvent<TabNote>) => {
        const n = ev.data;
        if ("hello" in n) this.say();
        else if (n.visible) this.visibleTabs.add(n.tab);
        else this.visibleTabs.delete(n.tab);
      };
      this.channel.postMessage({ hello: this.tab } satisfies TabNote);
    }
    if (navigator.locks) {
      void navigator.locks
        .request(
          `chat.notifier.${id}`,
          () =>
            new Promise<void>((resolve) => {
              this.notifier = true;
              this.release = resolve;
            }),
        )
        .catch(() => undefined);
    } else {
      this.notifier = true;
    }
    const say = () => this.say();
    const gone = () => this.channel?.postMessage({ tab: this.tab, visible: false } satisfies TabNote);
    document.addEventListener("visibilitychange", say);
    window.addEventListener("pagehide", gone);
    this.say();
    return () => {
      document.removeEventListener("visibilitychange", say);
      window.removeEventListener("pagehide", gone);
      gone();
      this.channel?.close();
      this.release?.();
      this.notifier = false;
    };
  }

  private say() {
    this.channel?.postMessage({
      tab: this.tab,
      visible: document.visibilityState === "visible",
    } satisfies TabNote);
  }

  /** From a click: asks the browser (once it says "default"), answers the permission. */
  async enable(): Promise<NotificationPermission | "unsupported"> {
    const s = this.p.store;
    s.alerts.offer = false;
    localStorage.setItem(`${this.prefKey}.offered`, "1");
    if (typeof Notification === "undefined") return "unsupported";
    localStorage.removeItem(this.prefKey);
    const permission =
      Notification.permission === "default"
        ? await Notification.requestPermission()
        : Notification.permission;
    s.alerts.permission = permission;
    this.p.screen.render();
    return permission;
  }

  disable(): void {
    localStorage.setItem(this.prefKey, "off");
    this.p.screen.render();
  }

  /** "Not now" on the one-time offer. */
  dismissOffer(): void {
    localStorage.setItem(`${this.prefKey}.offered`, "1");
    this.p.store.alerts.offer = false;
    this.p.screen.render();
  }

  /** A message the socket delivered (after the timeline has it). */
  message(m: Message): void {
    const s = this.p.store;
    if (!this.notifier || this.turnedOff || m.sender_id === s.me.id || m.deleted_at) return;
    if (s.alerts.permission !== "granted" || s.alerts.push === "on") return;
    if (document.visibilityState === "visible" || this.visibleTabs.size > 0) return;
    if (m.mls && m.mls.kind !== "application") return;
    if (Date.now() - Date.parse(m.created_at) > TOO_OLD_MS) return;
    const e = s.chats.get(m.chat_id);
    if (!e || this.shown.includes(m.id)) return;
    const encrypted = !!m.mls;
    const read = encrypted ? s.decrypted.get(m.id)?.text : undefined;
    const text = encrypted
      ? (read ?? null)
      : m.text === ""
        ? textWithAttachments("", m.attachments ?? undefined)
        : m.text;
    const mentioned = text !== null && mentions(text, s.me.name);
    if (isMuted(e.summary.muted_until) && !mentioned) return;
    this.shown.push(m.id);
    if (this.shown.length > 200) this.shown.shift();
    const sender = s.nameOf(m.sender_id);
    const title = e.summary.type === "group" ? `${sender} · ${chatTitle(e.summary)}` : sender;
    const body = text === null ? "🔒 New encrypted message" : cut(mentioned ? `@ ${text}` : text, BODY_MAX);
    this.show(
      title,
      { body, tag: `chat-${m.chat_id}`, data: { chat_id: m.chat_id, message_id: m.id } },
      m.chat_id,
    );
  }

  private show(title: string, options: NotificationOptions, chatId: number) {
    try {
      const n = new Notification(title, options);
      n.onclick = () => {
        n.close();
        this.open(chatId);
      };
    } catch {
      // Where the constructor is refused (Android Chrome), the service worker shows it.
      void navigator.serviceWorker?.ready
        .then((reg) => reg.showNotification(title, options))
        .catch(() => undefined);
    }
  }

  /** A notification was clicked (here, or in the service worker): this tab, on that chat. */
  open(chatId: number): void {
    window.focus();
    if (this.p.store.page !== "chats") this.p.account.show("chats");
    if (this.p.store.chats.has(chatId)) this.p.activeChat.open(chatId);
  }
}
