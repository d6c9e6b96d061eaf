/**
 * The socket half: connect with the token, typed emit-with-ack with a timeout, sends retried with
 * the same client_id (so a lost ack never doubles a message), and a per-chat timeline ordered by
 * seq and de-duplicated by id that re-syncs from the server after every reconnect or gap. The
 * server delivers live messages in seq order unless one is later than its hold (docs/realtime.md),
 * so the reordering here is what makes the order hold always.
 */
import { io, type Socket } from "socket.io-client";
import type {
  Ack,
  ClientAckData,
  ClientEventName,
  ClientEventPayload,
  ClientToServerEvents,
  ConnectErrorData,
  ErrorBody,
  ServerEventName,
  ServerEventPayload,
  ServerToClientEvents,
} from "@chat/protocol";
import { SYNC_MAX_CHATS } from "@chat/protocol";
import { renewalRefused, renewDelayMs, type RenewToken } from "./token-renewal.ts";
import { uuid } from "./uuid.ts";
import { refusalRetryable, refusedHandshakeDelayMs, type BackoffOptions } from "./reconnect-backoff.ts";

export type Message = ServerEventPayload<"message:new">;
/** A file a message carries (`message.attachments`, omitted when it has none). */
export type Attachment = NonNullable<Message["attachments"]>[number];

/** What a send may carry besides its text. */
export interface SendOptions {
  /**
   * Ids of my own uploads (ready, not yet sent), in the order the message shows them; the text
   * may then be "". At most MAX_ATTACHMENTS_PER_MESSAGE.
   */
  attachmentIds?: string[];
  /** The id of a message of the same chat this one replies to (its quote comes back as `reply_to`). */
  replyTo?: number;
}
/** One chat's read state as a `sync` answers it (its messages are delivered as "message" events). */
export type SyncedChat = Omit<ClientAckData["sync"]["chats"][number], "messages">;

export class AckError extends Error {
  constructor(readonly error: ErrorBody) {
    super(`${error.code}: ${error.message}`);
    this.name = "AckError";
  }
  get code() {
    return this.error.code;
  }
}

class TimeoutError extends Error {
  constructor(event: string) {
    super(`no ack for ${event}`);
    this.name = "TimeoutError";
  }
}

export interface ChatSocketOptions {
  token: string;
  /** Transports as in socket.io-client; default: polling then upgrade to websocket. */
  transports?: ("polling" | "websocket")[];
  /** Ack timeout per attempt (ms). @default 5000 */
  ackTimeout?: number;
  /** How long a send keeps retrying the same client_id (ms). @default 30000 */
  sendDeadline?: number;
  /** Wait this long for a missing seq before asking the server (ms). @default 300 */
  gapWait?: number;
  /** The registered device this connection speaks for (encrypted chats need one). */
  deviceId?: string;
  /** Extra socket.io-client options (e.g. extraHeaders, reconnectionDelay). */
  ioOptions?: Record<string, unknown>;
  /**
   * Gets a fresh access token of the same session. Given, the socket renews before expiry (over
   * `auth:renew`, without reconnecting), reconnects with the latest token, retries a transient
   * failure with backoff, and emits `session:expired` only when the refresh is refused
   * (see `renewalRefused`).
   */
  renewToken?: RenewToken;
  /** Renew once this share of the token's life has passed. @default 0.75 */
  renewAt?: number;
  /**
   * The backoff of a handshake the server refused with `unavailable` or `rate_limited` (which
   * ends socket.io-client's own retries): full jitter over a range doubling from baseMs to maxMs,
   * at least the server's `retry_after_ms`. @default {baseMs: 500, maxMs: 30000}
   */
  refusedBackoff?: BackoffOptions;
}

/** The part of socket.io-client's Manager that URL rotation needs (`uri` is private in its types). */
interface RotatableManager {
  uri: string;
}

type Listener<T> = (payload: T) => void;

export class ChatSocket {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** Highest seq delivered in order per chat. */
  readonly lastSeq = new Map<number, number>();
  private readonly pending = new Map<number, Map<number, Message>>();
  private readonly seen = new Set<number>();
  private readonly listeners = new Map<string, Set<Listener<unknown>>>();
  private readonly gapTimers = new Map<number, ReturnType<typeof setTimeout>>();
  private syncing: Promise<void> | undefined;
  private connectedOnce = false;
  /** The chat this device shows (`viewing`), told again after every reconnect. */
  private viewingChat: number | null = null;
  private readonly opts: Required<
    Omit<ChatSocketOptions, "transports" | "ioOptions" | "renewToken" | "refusedBackoff">
  > &
    ChatSocketOptions;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private renewing: Promise<void> | undefined;
  private closed = false;
  private sessionEnded = false;
  private readonly urls: string[];
  private urlIndex = 0;
  /** The next try of a refused handshake (reconnectLater), and how many came before it. */
  private refusedTimer: ReturnType<typeof setTimeout> | undefined;
  private refusedAttempts = 0;

  /**
   * `url` is one node (or a load balancer), or a list of nodes: each reconnection attempt then
   * goes to the next one, so a device whose node died lands on a live one (socket.io-client alone
   * would keep retrying the dead address).
   */
  constructor(url: string | string[], opts: ChatSocketOptions) {
    this.urls = typeof url === "string" ? [url] : [...url];
    if (this.urls.length === 0) throw new Error("ChatSocket needs at least one URL");
    this.opts = {
      ackTimeout: 5000,
      sendDeadline: 30_000,
      gapWait: 300,
      deviceId: "",
      ...opts,
      renewAt: opts.renewAt ?? 0.75,
    };
    this.socket = io(this.urls[0], {
      // batch: several new messages (or read cursors) of a chat may arrive as one `message:batch`
      // (`receipt:batch`): fewer frames.
      auth: { token: opts.token, batch: true, ...(opts.deviceId ? { device_id: opts.deviceId } : {}) },
      transports: opts.transports,
      // socket.io-client's own retries (a lost connection, a node not answering): 200 ms doubling
      // to 2 s, each wait ±50 % at random, so a dead node's devices do not return in step.
      reconnectionDelay: 200,
      reconnectionDelayMax: 2000,
      randomizationFactor: 0.5,
      // A rotating manager must not be shared with other sockets through io()'s cache.
      ...(this.urls.length > 1 ? { forceNew: true } : {}),
      ...opts.ioOptions,
    });
    if (this.urls.length > 1) this.socket.io.on("reconnect_attempt", () => this.nextUrl());
    this.socket.on("message:new", (m) => this.ingest([m]));
    this.socket.on("message:batch", (b) => this.ingest(b.messages));
    // Several members' cursors of a chat in one frame: the app hears one `receipt:read` each, in order.
    this.socket.on("receipt:batch", ({ chat_id, reads }) => {
      for (const r of reads) this.emitLocal("receipt:read", { chat_id, ...r });
    });
    this.socket.on("connect", () => {
      // After every reconnect: ask for what was missed, whichever node we landed on.
      if (this.connectedOnce) void this.resync();
      // The server keeps "which chat is shown" per socket: a new connection must hear it again.
      if (this.connectedOnce && this.viewingChat !== null)
        void this.request("presence:viewing", { chat_id: this.viewingChat }).catch(() => undefined);
      this.connectedOnce = true;
      this.refusedAttempts = 0;
      this.emitLocal("connected", undefined);
    });
    for (const e of [
      "message:updated",
      "message:deleted",
      "message:reactions",
      "receipt:read",
      "receipt:fully_read",
      "typing",
      "presence",
      "chat:added",
      "chat:removed",
      "chat:updated",
      "chat:muted",
      "mls:welcome",
      "key_packages:low",
    ] as const) {
      (this.socket.on as (e: string, f: (p: unknown) => void) => void)(e, (p) => this.emitLocal(e, p));
    }
    this.socket.on("chat:added", ({ chat }) => {
      if (!this.lastSeq.has(chat.id)) this.lastSeq.set(chat.id, chat.last_seq);
    });
    // A chat I left must leave the sync list too: the server refuses a sync naming it.
    this.socket.on("chat:removed", ({ chat_id }) => this.untrack(chat_id));
    // The server cuts a socket whose token expired (renewal came too late, e.g. after sleep):
    // with a way to renew, that is a reconnect with a fresh token, not the end of the session.
    this.socket.on("session:expired", (p) => {
      if (this.opts.renewToken && p.reason === "token expired") void this.renewNow();
      else this.sessionOver(p.reason);
    });
    this.socket.on("connect_error", (err: Error & { data?: ConnectErrorData }) => {
      if (this.socket.active) return; // socket.io-client retries this one itself
      // A node too busy (a reconnect storm) or a rate limit: try again later, here or elsewhere.
      if (refusalRetryable(err.data?.code)) return this.reconnectLater(err.data?.retry_after_ms);
      if (!this.opts.renewToken) return;
      if (err.data?.code === "token_expired") void this.renewNow();
      else if (err.data?.code === "session_revoked") this.sessionOver("session ended");
    });
    if (opts.renewToken) this.scheduleRenewal(renewDelayMs(opts.token, this.opts.renewAt));
  }

  /**
   * Renews the access token now (once at a time): asks `renewToken`, hands the token to the open
   * connection (or reconnects with it), and schedules the next renewal. A transient failure is
   * retried with backoff (1 s doubling to 30 s); a refused one ends with `session:expired`.
   */
  renewNow(): Promise<void> {
    if (!this.opts.renewToken) return Promise.resolve();
    if (this.renewing) return this.renewing;
    const p: Promise<void> = this.runRenewal(this.opts.renewToken).finally(() => {
      if (this.renewing === p) this.renewing = undefined;
    });
    this.renewing = p;
    return p;
  }

  /** The access token the socket (re)connects with. */
  get token(): string {
    return (this.socket.auth as { token: string }).token;
  }

  private async runRenewal(renewToken: RenewToken): Promise<void> {
    clearTimeout(this.renewTimer);
    for (let wait = 1000; !this.closed && !this.sessionEnded; wait = Math.min(wait * 2, 30_000)) {
      let next;
      try {
        next = await renewToken();
      } catch (err) {
        if (renewalRefused(err)) return this.sessionOver("renewal refused");
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      if (this.closed) return;
      this.socket.auth = { ...(this.socket.auth as Record<string, unknown>), token: next.access_token };
      if (this.socket.connected) {
        try {
          await this.renew(next.access_token);
        } catch (err) {
          // Unanswered: the server cuts the socket at the old expiry and it reconnects with the
          // new token. Refused: the session is over.
          if (err instanceof AckError && renewalRefused(err)) return this.sessionOver("renewal refused");
        }
      } else if (!this.socket.active) {
        this.socket.connect(); // a refused handshake or a server cut stopped socket.io's retries
      }
      this.scheduleRenewal(next.expires_in * 1000 * this.opts.renewAt);
      return;
    }
  }

  private scheduleRenewal(delayMs: number | undefined) {
    clearTimeout(this.renewTimer);
    if (delayMs === undefined || this.closed) return;
    this.renewTimer = setTimeout(() => void this.renewNow(), Math.min(delayMs, 2_147_483_647));
  }

  /** Renewal is impossible: stop trying and tell the application (once). */
  private sessionOver(reason: string) {
    if (this.closed || this.sessionEnded) return;
    this.sessionEnded = true;
    clearTimeout(this.renewTimer);
    this.emitLocal("session:expired", { reason });
  }

  /** Stops following a chat (no more sync for it). */
  untrack(chatId: number): void {
    this.lastSeq.delete(chatId);
    this.pending.delete(chatId);
    clearTimeout(this.gapTimers.get(chatId));
    this.gapTimers.delete(chatId);
  }

  /** The next node of the list: each attempt after a failure goes elsewhere. */
  private nextUrl() {
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    // The Manager opens each attempt's engine from `uri`, which it parses afresh every time.
    (this.socket.io as unknown as RotatableManager).uri = this.urls[this.urlIndex];
  }

  /**
   * Connects again after the refused-handshake backoff (full jitter, at least `retryAfterMs`):
   * for a refusal that stopped socket.io-client's own retries. Once at a time (a call while one
   * is pending does nothing); the count of tries resets on connect; close() cancels it. With a
   * list of nodes the try goes to the next one.
   */
  reconnectLater(retryAfterMs?: number): void {
    if (this.closed || this.sessionEnded || this.refusedTimer !== undefined) return;
    const wait = refusedHandshakeDelayMs(this.refusedAttempts++, retryAfterMs, this.opts.refusedBackoff);
    this.refusedTimer = setTimeout(() => {
      this.refusedTimer = undefined;
      if (this.closed || this.socket.connected || this.socket.active) return;
      if (this.urls.length > 1) this.nextUrl();
      this.socket.connect();
    }, wait);
  }

  /** The URL of the node (or balancer) the socket is connected or connecting to. */
  get url(): string {
    return this.urls[this.urlIndex];
  }

  /** Resolves on the first connection; rejects with the server's connect_error data. */
  ready(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = () => {
        this.socket.off("connect_error", fail);
        resolve();
      };
      const fail = (err: Error & { data?: ErrorBody }) => {
        // socket.io will retry (e.g. a node was down), or we will (a busy node: reconnectLater).
        if (this.socket.active || this.refusedTimer !== undefined) return;
        this.socket.off("connect", ok);
        reject(err.data ? new AckError(err.data) : err);
      };
      this.socket.once("connect", ok);
      this.socket.on("connect_error", fail);
    });
  }

  /** Track a chat from a known seq (e.g. from GET /chats); its messages after it are delivered in order. */
  track(chatId: number, afterSeq: number): void {
    const cur = this.lastSeq.get(chatId);
    if (cur === undefined || afterSeq > cur) this.lastSeq.set(chatId, afterSeq);
  }

  on<E extends ServerEventName>(event: E, fn: Listener<ServerEventPayload<E>>): () => void;
  on(event: "message", fn: Listener<Message>): () => void;
  on(event: "connected", fn: Listener<undefined>): () => void;
  /** After each resync, per chat: the server's last seq, every member's read cursor, my fully-read watermark. */
  on(event: "synced", fn: Listener<SyncedChat>): () => void;
  /** A resync failed (it is tried again on the next reconnect or gap). */
  on(event: "sync_error", fn: Listener<unknown>): () => void;
  on(event: string, fn: Listener<never>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(fn as Listener<unknown>);
    return () => set.delete(fn as Listener<unknown>);
  }

  private emitLocal(event: string, payload: unknown) {
    for (const fn of this.listeners.get(event) ?? []) fn(payload);
  }

  /** One emit with an ack and a timeout; resolves with `data`, throws AckError or TimeoutError. */
  async request<E extends ClientEventName>(
    event: E,
    payload: ClientEventPayload<E>,
    timeout = this.opts.ackTimeout,
  ): Promise<ClientAckData[E]> {
    let res: Ack<ClientAckData[E]>;
    try {
      res = await (
        this.socket.timeout(timeout).emitWithAck as (e: string, p: unknown) => Promise<Ack<ClientAckData[E]>>
      )(event, payload);
    } catch {
      throw new TimeoutError(event);
    }
    if (!res.ok) throw new AckError(res.error);
    return res.data;
  }

  /**
   * Sends a message; on a timeout or a retryable error it retries with the same client_id until
   * the deadline, so the server stores it once whatever happens to acks in between. With
   * `attachmentIds` the message carries those files (a retry links nothing twice).
   */
  async send(chatId: number, text: string, clientId: string = uuid(), options: SendOptions = {}) {
    const deadline = Date.now() + this.opts.sendDeadline;
    const files = options.attachmentIds?.length ? { attachment_ids: options.attachmentIds } : {};
    let wait = 100;
    for (;;) {
      try {
        const out = await this.request("message:send", {
          chat_id: chatId,
          client_id: clientId,
          text,
          ...files,
          ...(options.replyTo !== undefined && { reply_to: options.replyTo }),
        });
        this.ingest([out.message]);
        return out;
      } catch (err) {
        const retryable = err instanceof TimeoutError || (err instanceof AckError && isRetryable(err.code));
        if (!retryable || Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 2000);
      }
    }
  }

  /**
   * Hands the open connection a fresh access token (same user and session), so it outlives the
   * old token's expiry without reconnecting; reconnections use the new token from now on.
   */
  async renew(token: string): Promise<{ expires_in: number }> {
    const out = await this.request("auth:renew", { token });
    this.socket.auth = { ...(this.socket.auth as Record<string, unknown>), token };
    return out;
  }

  /**
   * Tells the server which chat this device shows right now (a chat open in a visible tab), or
   * null (tab hidden, no chat open): no Web Push of that chat goes to this session meanwhile.
   * Re-sent after a reconnect.
   */
  async viewing(chatId: number | null): Promise<void> {
    this.viewingChat = chatId;
    await this.request("presence:viewing", { chat_id: chatId });
  }

  read(chatId: number, seq: number) {
    return this.request("message:read", { chat_id: chatId, seq });
  }

  /** Toggles my reaction (one emoji) on a message; every member's devices get `message:reactions`. */
  react(chatId: number, messageId: number, emoji: string) {
    return this.request("reaction:toggle", { chat_id: chatId, message_id: messageId, emoji });
  }

  /**
   * Asks for everything after the last seq seen in each tracked chat, SYNC_MAX_CHATS at a time;
   * asks again for the chats whose answer has more and for those the answer's byte budget left out.
   */
  resync(): Promise<void> {
    if (this.syncing) return this.syncing;
    const run = async () => {
      try {
        let pending = [...this.lastSeq.keys()];
        for (let round = 0; round < 1000 && pending.length > 0; round++) {
          const ask = pending.slice(0, SYNC_MAX_CHATS).filter((id) => this.lastSeq.has(id));
          const rest = pending.slice(SYNC_MAX_CHATS);
          const chats = ask.map((chat_id) => ({ chat_id, after_seq: this.lastSeq.get(chat_id)! }));
          if (chats.length === 0) {
            pending = rest;
            continue;
          }
          let out;
          try {
            out = await this.request("sync", { chats, limit: 500 }, 15_000);
          } catch (err) {
            // Removed from a chat while away (no chat:removed reached us): drop it, ask again.
            const gone = err instanceof AckError && err.code === "not_a_member" ? notMine(err) : [];
            if (gone.length === 0) throw err;
            for (const id of gone) this.untrack(id);
            continue;
          }
          for (const c of out.chats) this.ingest(c.messages);
          // Welcomes that waited for this device (encrypted chats): handed on like live ones.
          for (const w of out.welcomes ?? []) this.emitLocal("mls:welcome", w);
          // Receipts that moved while we were away come with the sync: hand them to the UI.
          for (const { messages: _, ...state } of out.chats) this.emitLocal("synced", state);
          const answered = new Set(out.chats.map((c) => c.chat_id));
          pending = [
            ...out.chats.filter((c) => c.has_more).map((c) => c.chat_id),
            ...ask.filter((id) => !answered.has(id)),
            ...rest,
          ];
        }
      } catch (err) {
        this.emitLocal("sync_error", err);
      }
    };
    // Cleared in a later microtask even when run() returns at once (nothing tracked yet): a
    // synchronous clear would come before the assignment and leave a settled promise here for
    // good, turning every later resync into a no-op.
    const p: Promise<void> = run().finally(() => {
      if (this.syncing === p) this.syncing = undefined;
    });
    this.syncing = p;
    return p;
  }

  /** Delivers messages in seq order, once each; holds back what follows a gap until it is filled. */
  private ingest(messages: Message[]) {
    for (const m of messages) {
      if (this.seen.has(m.id)) continue;
      const last = this.lastSeq.get(m.chat_id);
      if (last !== undefined && m.seq <= last) continue;
      const buf = this.pending.get(m.chat_id) ?? new Map<number, Message>();
      this.pending.set(m.chat_id, buf);
      buf.set(m.seq, m);
    }
    for (const [chatId, buf] of this.pending) {
      if (buf.size === 0) continue;
      // A chat we were not tracking (e.g. just added) starts from its first message seen.
      let last: number = this.lastSeq.get(chatId) ?? Math.min(...buf.keys()) - 1;
      while (buf.has(last + 1)) {
        const m: Message = buf.get(last + 1)!;
        buf.delete(last + 1);
        last = m.seq;
        this.seen.add(m.id);
        this.emitLocal("message", m);
      }
      this.lastSeq.set(chatId, last);
      this.armGapTimer(chatId);
    }
  }

  /**
   * While a chat holds messages back behind a gap, asks the server after `gapWait`, and again
   * after that sync if the gap is still there (a sync already under way when the gap appeared
   * may have read the database before the missing message was committed).
   */
  private armGapTimer(chatId: number) {
    if ((this.pending.get(chatId)?.size ?? 0) === 0 || this.gapTimers.has(chatId)) return;
    this.gapTimers.set(
      chatId,
      setTimeout(() => {
        this.gapTimers.delete(chatId);
        if ((this.pending.get(chatId)?.size ?? 0) > 0 && this.socket.active)
          void this.resync().then(() => this.armGapTimer(chatId));
      }, this.opts.gapWait),
    );
  }

  close() {
    this.closed = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.refusedTimer);
    this.refusedTimer = undefined;
    for (const t of this.gapTimers.values()) clearTimeout(t);
    this.socket.disconnect();
  }
}

/** The chat ids a `not_a_member` sync refusal names (`details.chat_ids`). */
function notMine(err: AckError): number[] {
  const ids = (err.error.details as { chat_ids?: unknown } | undefined)?.chat_ids;
  return Array.isArray(ids) ? ids.filter((i): i is number => typeof i === "number") : [];
}

const isRetryable = (code: string) =>
  code === "unavailable" || code === "rate_limited" || code === "internal";
