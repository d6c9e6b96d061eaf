/**
 * Admission control of Socket.IO handshakes (issue 20, item 3): when a node dies, its devices all
 * reconnect to the survivors at once, and each handshake costs a JWT check, database and Redis
 * lookups and joining every chat room. Queueing them all makes every one slow (and time out, and
 * retry, and queue again); so a node runs at most `maxInFlight` handshakes, lets `maxQueued` more
 * wait (each at most `maxWaitMs`), and refuses the rest at once with the retryable `unavailable`
 * and a jittered `retry_after_ms`, which packages/client's ChatSocket honours.
 *
 * The wait asked for grows with the backlog: the handshakes running, waiting and just refused
 * (each of those comes back), times how long one takes lately, over the slots. Drawn at random
 * from ±50 % of that, the refused come back spread over about the time the node needs to serve
 * them, instead of in one wave a second later (on a box starved of CPU a handshake may take
 * seconds, and a fixed 1 s would bring the whole crowd back while the first ones still run).
 */
import { AppError } from "@chat/protocol";

export interface AdmissionOptions {
  /** Handshakes past the token check at once. */
  maxInFlight: number;
  /** Handshakes waiting for a slot; one more is refused at once. */
  maxQueued: number;
  /** A waiting handshake is refused after this long (ms). @default 3000 */
  maxWaitMs?: number;
  /** The least centre of the jittered retry_after_ms a refusal carries (ms). @default 1000 */
  retryAfterMs?: number;
  /** The most centre of retry_after_ms (ms). @default 30000 */
  maxRetryAfterMs?: number;
  /** Told of every outcome (the node's metrics). */
  onOutcome?: (outcome: "admitted" | "shed") => void;
}

/** Gives the slot back (once; later calls do nothing). */
export type Release = () => void;

export class HandshakeAdmission {
  private inFlight = 0;
  private readonly waiting: Array<{ admit: () => void }> = [];
  private readonly maxWaitMs: number;
  private readonly retryAfterMs: number;
  private readonly maxRetryAfterMs: number;
  /** How long an admitted handshake took, averaged over the last few dozen (ms). */
  private durationMs = 0;
  /** Refusals of about the last second (decays by half every second). */
  private recentShed = 0;
  private recentShedAt = 0;

  constructor(private readonly opts: AdmissionOptions) {
    this.maxWaitMs = opts.maxWaitMs ?? 3000;
    this.retryAfterMs = opts.retryAfterMs ?? 1000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
  }

  /** Handshakes running and waiting now (for tests and the admin view). */
  get load(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.waiting.length };
  }

  /**
   * Resolves with a slot's release when this handshake may run; rejects with `unavailable`
   * (details.retry_after_ms) at once when the node is full, or after maxWaitMs in the queue.
   */
  enter(): Promise<Release> {
    if (this.inFlight < this.opts.maxInFlight) return Promise.resolve(this.take());
    if (this.waiting.length >= this.opts.maxQueued) return Promise.reject(this.shed());
    return new Promise<Release>((resolve, reject) => {
      const entry = {
        admit: () => {
          clearTimeout(timer);
          resolve(this.take());
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(this.shed());
      }, this.maxWaitMs);
      this.waiting.push(entry);
    });
  }

  private take(): Release {
    this.inFlight++;
    this.opts.onOutcome?.("admitted");
    const started = performance.now();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.inFlight--;
      const took = performance.now() - started;
      this.durationMs = this.durationMs === 0 ? took : this.durationMs * 0.95 + took * 0.05;
      // FIFO: the handshake that waited longest goes next (its client's timeout runs too).
      this.waiting.shift()?.admit();
    };
  }

  /** The centre of the next refusal's retry_after_ms: the time to serve the backlog (see above). */
  retryAfterCentreMs(now = performance.now()): number {
    this.recentShed *= 0.5 ** ((now - this.recentShedAt) / 1000);
    this.recentShedAt = now;
    const backlog = this.inFlight + this.waiting.length + this.recentShed;
    const serve = (backlog * this.durationMs) / this.opts.maxInFlight;
    return Math.min(this.maxRetryAfterMs, Math.max(this.retryAfterMs, serve));
  }

  private shed(): AppError {
    this.opts.onOutcome?.("shed");
    const centre = this.retryAfterCentreMs();
    this.recentShed++;
    // ±50 % around the centre, so the refused do not all come back in the same instant.
    const retryAfter = Math.round(centre * (0.5 + Math.random()));
    return new AppError(
      "unavailable",
      "This node is busy with other connections; retry on this or another node",
      {
        retry_after_ms: retryAfter,
      },
    );
  }
}
