/**
 * Admission control of Socket.IO handshakes (issue 20, item 3): when a node dies, its devices all
 * reconnect to the survivors at once, and each handshake costs a JWT check, database and Redis
 * lookups and joining every chat room. Queueing them all makes every one slow (and time out, and
 * retry, and queue again); so a node runs at most `maxInFlight` handshakes, lets `maxQueued` more
 * wait (each at most `maxWaitMs`), and refuses the rest at once with the retryable `unavailable`
 * and a jittered `retry_after_ms`, which packages/client's ChatSocket honours.
 */
import { AppError } from "@chat/protocol";

export interface AdmissionOptions {
  /** Handshakes past the token check at once. */
  maxInFlight: number;
  /** Handshakes waiting for a slot; one more is refused at once. */
  maxQueued: number;
  /** A waiting handshake is refused after this long (ms). @default 3000 */
  maxWaitMs?: number;
  /** The centre of the jittered retry_after_ms a refusal carries (ms). @default 1000 */
  retryAfterMs?: number;
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

  constructor(private readonly opts: AdmissionOptions) {
    this.maxWaitMs = opts.maxWaitMs ?? 3000;
    this.retryAfterMs = opts.retryAfterMs ?? 1000;
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
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.inFlight--;
      // FIFO: the handshake that waited longest goes next (its client's timeout runs too).
      this.waiting.shift()?.admit();
    };
  }

  private shed(): AppError {
    this.opts.onOutcome?.("shed");
    // ±50 % around the centre, so the refused do not all come back in the same instant.
    const retryAfter = Math.round(this.retryAfterMs * (0.5 + Math.random()));
    return new AppError(
      "unavailable",
      "This node is busy with other connections; retry on this or another node",
      {
        retry_after_ms: retryAfter,
      },
    );
  }
}
