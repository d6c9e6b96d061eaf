/**
 * Sends Web Push requests (RFC 8030, payload encrypted per RFC 8291 aes128gcm, signed with VAPID)
 * through a bounded queue: each request has a deadline (PUSH_TIMEOUT_MS) over its whole exchange,
 * and a 404/410 from the push service removes the subscription. web-push builds the request
 * (encryption, VAPID headers); it is sent with fetch because web-push's own sender speaks https
 * only and bounds socket idleness, not the request.
 */
import type { Logger } from "pino";
import webpush from "web-push";
import { BoundedQueue } from "./bounded-queue.ts";
import type { VapidKeys } from "./vapid.ts";

export interface PushTarget {
  /** push_subscriptions.id */
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** How one push request ended (counted on /metrics as `chat_push_total{outcome}`). */
export type PushOutcome = "sent" | "expired" | "failed";

/** How long a push service keeps an undelivered push (seconds): a day, then it is stale anyway. */
const TTL_SECONDS = 86_400;

export class PushSender {
  private readonly queue: BoundedQueue;
  private readonly stop = new AbortController();
  /** Outcomes, for tests and logs: sent, gone (subscription removed), failed (incl. timeouts). */
  readonly counts = { sent: 0, gone: 0, failed: 0, timedOut: 0 };

  constructor(
    private readonly keys: VapidKeys,
    private readonly opts: { timeoutMs: number; concurrency?: number; maxQueued?: number },
    private readonly onGone: (id: string) => Promise<void>,
    private readonly log: Logger,
    /** Each request's outcome (the node's metrics). */
    private readonly onOutcome: (o: PushOutcome) => void = () => undefined,
  ) {
    this.queue = new BoundedQueue({
      concurrency: opts.concurrency ?? 16,
      maxQueued: opts.maxQueued ?? 10_000,
      onDrop: () => log.warn("push queue full: a push was dropped"),
    });
  }

  get publicKey(): string {
    return this.keys.publicKey;
  }

  enqueue(target: PushTarget, payload: string): void {
    if (this.stop.signal.aborted) return;
    this.queue.push(() => this.send(target, payload));
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Aborts what is in flight; nothing more is sent. */
  close(): void {
    this.stop.abort();
  }

  private async send(target: PushTarget, payload: string): Promise<void> {
    if (this.stop.signal.aborted) return;
    // The endpoint is a capability URL: logs name its host only.
    const host = safeHost(target.endpoint);
    try {
      const req = webpush.generateRequestDetails(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        payload,
        { vapidDetails: this.keys, TTL: TTL_SECONDS, contentEncoding: "aes128gcm", urgency: "high" },
      );
      const res = await fetch(req.endpoint, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: new Uint8Array(req.body as Buffer),
        // A push service answers; it does not send us elsewhere (nor do we follow it there).
        redirect: "manual",
        signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.opts.timeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 404 || res.status === 410) {
        this.counts.gone++;
        this.onOutcome("expired");
        await this.onGone(target.id);
        this.log.debug({ host, status: res.status }, "push subscription gone: removed");
      } else if (res.status >= 200 && res.status < 300) {
        this.counts.sent++;
        this.onOutcome("sent");
      } else {
        this.counts.failed++;
        this.onOutcome("failed");
        this.log.warn({ host, status: res.status }, "push service refused a push");
      }
    } catch (err) {
      if (this.stop.signal.aborted) return;
      const timedOut = (err as Error).name === "TimeoutError";
      if (timedOut) this.counts.timedOut++;
      this.counts.failed++;
      this.onOutcome("failed");
      this.log.warn({ host, err: (err as Error).message, timedOut }, "push failed");
    }
  }
}

function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return "?";
  }
}
