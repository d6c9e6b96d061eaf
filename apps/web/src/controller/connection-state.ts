/**
 * The connection banner's state (connecting, online, reconnecting, offline) and what a (re)connect
 * sets going: ChatSocket re-syncs messages itself; the chat list, presence and members are asked again.
 */
import { saveDeviceHint } from "../encryption/device-hint.ts";
import type { Parts } from "./parts.ts";

export class ConnectionState {
  private firstConnect = true;

  constructor(private readonly p: Parts) {}

  /** socket.io's own connection events (the chat events are in events.ts). */
  watch(): void {
    const s = this.p.store;
    const sk = this.p.socket;
    sk.socket.on("disconnect", (reason) => {
      if (reason === "io client disconnect") return;
      s.connection = navigator.onLine ? "reconnecting" : "offline";
      this.p.screen.render();
    });
    sk.socket.io.on("reconnect_attempt", (n) => {
      s.reconnectAttempt = n;
      s.connection = navigator.onLine ? "reconnecting" : "offline";
      this.p.screen.render();
    });
    sk.socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
      const code = err.data?.code;
      // An expired token is ChatSocket's to renew; another refusal may be a token that needs a
      // refresh too (e.g. none yet after an offline start): a refused refresh ends the session.
      if (code === "token_expired") return;
      if (code === "unauthorized" || code === "session_revoked") return void sk.renewNow();
      if (code === "device_required") {
        // This profile's device was removed elsewhere: connect without it (it registers anew).
        saveDeviceHint(this.p.store.me.id, undefined);
        const { device_id: _gone, ...auth } = sk.socket.auth as Record<string, unknown>;
        sk.socket.auth = auth;
      }
      if (s.connection === "online" || s.connection === "connecting") s.connection = "reconnecting";
      this.p.screen.render();
      // A refusal by the server (not a transport error) stops socket.io's own retries: try again
      // with ChatSocket's backoff (jittered, growing, at least the server's retry_after_ms), the
      // one schedule of retries (a busy node's refusal is already scheduled there: a no-op then).
      if (!sk.socket.active && !this.p.stopped) sk.reconnectLater();
    });
  }

  connected(): void {
    const s = this.p.store;
    s.connection = "online";
    s.reconnectAttempt = 0;
    if (this.firstConnect) {
      this.firstConnect = false;
      // Close the window between the chat list's snapshot and the socket joining its rooms.
      if (s.chatsLoaded) void this.p.socket.resync();
    } else {
      // ChatSocket re-syncs messages itself; chats added or removed meanwhile come from the list,
      // and presence and members may have changed unseen.
      this.p.presence.forget();
      this.p.members.markAllStale();
      void this.p.chatList.load();
    }
    this.p.sends.retryFailed();
    this.p.receipts.markRead();
    this.p.screen.render();
  }

  /** ChatSocket would only try again on the next reconnect or gap: retry while connected. */
  syncFailed(err: unknown): void {
    const sk = this.p.socket;
    console.warn("sync failed; trying again", err);
    setTimeout(() => !this.p.stopped && sk.socket.connected && void sk.resync(), 2000);
  }

  offline(): void {
    this.p.store.connection = "offline";
    this.p.screen.render();
  }

  /** The browser is online again; a socket that held through its offline spell means we are too. */
  online(): void {
    this.p.store.connection = this.p.socket.socket.connected ? "online" : "reconnecting";
    this.p.screen.render();
  }
}
