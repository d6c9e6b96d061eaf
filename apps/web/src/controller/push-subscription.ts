/**
 * Web Push of this browser: the service worker (/sw.js) registered at start, a push subscription
 * made with the server's VAPID key and handed to the server (it belongs to this session and ends
 * with it), dropped again on "turn off" and logout. Also tells the server which chat this device
 * is looking at (`presence:viewing`: the open chat while the tab is in view, else none), so a
 * device looking at a chat gets no push for it. A notification click in the service worker comes
 * back here as an "open-chat" message.
 */
import type { Parts } from "./parts.ts";

/** base64url → the bytes `applicationServerKey` takes. */
function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

const sameKey = (a: ArrayBuffer | null, b: Uint8Array) =>
  a !== null && a.byteLength === b.byteLength && new Uint8Array(a).every((x, i) => x === b[i]);

export class PushSubscriptions {
  private reg: Promise<ServiceWorkerRegistration | undefined> = Promise.resolve(undefined);
  /** What the server was last told this device looks at (undefined: nothing told yet). */
  private told: number | null | undefined;

  constructor(private readonly p: Parts) {}

  private get supported(): boolean {
    return "serviceWorker" in navigator && "PushManager" in window && window.isSecureContext;
  }

  start(): () => void {
    const s = this.p.store;
    const onMessage = (ev: MessageEvent<{ type?: string; chat_id?: unknown }>) => {
      if (ev.data?.type === "open-chat" && Number.isInteger(ev.data.chat_id))
        this.p.notifications.open(ev.data.chat_id as number);
    };
    if (!this.supported) {
      s.alerts.push = "unsupported";
      return () => undefined;
    }
    navigator.serviceWorker.addEventListener("message", onMessage);
    this.reg = navigator.serviceWorker.register("/sw.js").then(
      () => navigator.serviceWorker.ready,
      () => undefined,
    );
    // Each session hands its subscription to the server again (a new login is a new session).
    if (s.alerts.permission === "granted" && !this.p.notifications.turnedOff) void this.subscribe();
    return () => navigator.serviceWorker.removeEventListener("message", onMessage);
  }

  /** Subscribes (or re-uses the subscription) and gives it to the server. False if push cannot work here. */
  async subscribe(): Promise<boolean> {
    const s = this.p.store;
    if (!this.supported || Notification.permission !== "granted") return false;
    s.alerts.push = "busy";
    this.p.screen.render();
    try {
      const reg = await this.reg;
      if (!reg) throw new Error("no service worker");
      const { public_key } = await this.p.api.call("vapidPublicKey");
      const key = keyBytes(public_key);
      let sub = await reg.pushManager.getSubscription();
      // Made with another key (the server's pair changed): the push service would refuse ours.
      if (sub && !sameKey(sub.options.applicationServerKey, key)) {
        await sub.unsubscribe();
        sub = null;
      }
      sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      const json = sub.toJSON();
      await this.p.api.call("subscribePush", {
        body: {
          endpoint: sub.endpoint,
          keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
        },
      });
      if (this.p.stopped) return false;
      s.alerts.push = "on";
      return true;
    } catch (err) {
      console.warn("Web Push is not available here:", (err as Error).message);
      // No push service reachable (an incognito window, a blocked network): page notifications remain.
      s.alerts.push = "unsupported";
      return false;
    } finally {
      this.p.screen.render();
    }
  }

  /** Turned off here, or signing out: the browser's subscription goes, and the server's. */
  async unsubscribe(): Promise<void> {
    const reg = await this.reg;
    const sub = await reg?.pushManager.getSubscription().catch(() => null);
    if (this.p.store.alerts.push !== "unsupported") this.p.store.alerts.push = "off";
    if (!sub) return;
    await Promise.all([
      this.p.api.call("unsubscribePush", { query: { endpoint: sub.endpoint } }).catch(() => undefined),
      sub.unsubscribe().catch(() => false),
    ]);
    this.p.screen.render();
  }

  /** Tells the server what this device shows now, when that changed (called after each render). */
  updateViewing(): void {
    const s = this.p.store;
    const showing =
      document.visibilityState === "visible" && s.page === "chats" && s.activeChatId !== undefined
        ? s.activeChatId
        : null;
    if (showing === this.told || !this.p.socket.socket.connected) return;
    this.told = showing;
    this.p.socket.viewing(showing).catch(() => {
      this.told = undefined; // told again at the next change or render
    });
  }
}
