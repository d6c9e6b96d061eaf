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
import { uuid } from "@chat/client/core";
import { chatTitle } from "../logic/chat-list.ts";
import { isMuted, mentions } from "../logic/mentions.ts";
import type { Message } from "../logic/types.ts";
import type { Parts } from "./parts.ts";

const BODY_MAX = 120;
/** Older messages (a sync after a long sleep) are not announced one by one. */
const TOO_OLD_MS = 5 * 60_000;
/** A message of files only: "📎 name, name". */
const filesLine = (m: Message) => `📎 ${(m.attachments ?? []).map((a) => a.name).join(", ")}`;
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class Notifications {
  private readonly tab = uuid();
  private notifier = false;
  private releaseNotifier: (() => void) | undefined;
  /** Held while this tab is in view (its name says so to the notifier); released when hidden or gone. */
  private releaseVisible: (() => void) | undefined;
  private readonly shown: number[] = [];

  constructor(private readonly p: Parts) {}

  private get prefKey() {
    return `chat.notify.${this.p.store.me.id}`;
  }

  private get visiblePrefix() {
    return `chat.visible.${this.p.store.me.id}.`;
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
    // Web Locks are released by the browser when a tab closes or reloads, unlike a message that
    // a closing tab may never get out: the notifier lock passes on, the "in view" ones vanish.
    if (navigator.locks) {
      void navigator.locks
        .request(
          `chat.notifier.${s.me.id}`,
          () =>
            new Promise<void>((resolve) => {
              this.notifier = true;
              this.releaseNotifier = resolve;
            }),
        )
        .catch(() => undefined);
    } else {
      this.notifier = true;
    }
    const seen = () => this.inView(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", seen);
    seen();
    return () => {
      document.removeEventListener("visibilitychange", seen);
      this.inView(false);
      this.releaseNotifier?.();
      this.notifier = false;
    };
  }

  private inView(visible: boolean) {
    if (!navigator.locks || visible === (this.releaseVisible !== undefined)) return;
    if (!visible) {
      this.releaseVisible?.();
      this.releaseVisible = undefined;
      return;
    }
    const held = new Promise<void>((resolve) => (this.releaseVisible = resolve));
    void navigator.locks.request(this.visiblePrefix + this.tab, () => held).catch(() => undefined);
  }

  /** Whether some tab of this account is in view (this one, or another holding its lock). */
  private async anyInView(): Promise<boolean> {
    if (document.visibilityState === "visible") return true;
    if (!navigator.locks) return false;
    const { held = [] } = await navigator.locks.query();
    return held.some((l) => l.name?.startsWith(this.visiblePrefix));
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
  async message(m: Message): Promise<void> {
    const s = this.p.store;
    if (!this.notifier || this.turnedOff || m.sender_id === s.me.id || m.deleted_at) return;
    if (s.alerts.permission !== "granted" || s.alerts.push === "on") return;
    if (m.mls && m.mls.kind !== "application") return;
    if (Date.now() - Date.parse(m.created_at) > TOO_OLD_MS) return;
    if (!s.chats.has(m.chat_id) || this.shown.includes(m.id)) return;
    this.shown.push(m.id);
    if (this.shown.length > 200) this.shown.shift();
    if (await this.anyInView().catch(() => false)) return;
    const e = s.chats.get(m.chat_id);
    if (!e || this.p.stopped) return;
    const encrypted = !!m.mls;
    const read = encrypted ? s.decrypted.get(m.id)?.text : undefined;
    const text = encrypted ? (read ?? null) : m.text.replace(/\s+/g, " ").trim() || filesLine(m);
    const mentioned = text !== null && mentions(text, s.me.name);
    if (isMuted(e.summary.muted_until) && !mentioned) return;
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
