/**
 * How long a client waits before trying a refused handshake again (issue 20, item 3). When a node
 * dies, thousands of devices reconnect at once; waits that grow exponentially and are drawn at
 * random over their whole range ("full jitter") spread them out, so the survivors are not hit by
 * one wave after another. A wait the server asked for (`retry_after_ms`) is the least we wait.
 */

export interface BackoffOptions {
  /** The range of the first retry's wait (ms). @default 500 */
  baseMs?: number;
  /** The most any wait's range grows to (ms). @default 30000 */
  maxMs?: number;
}

const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 500, maxMs: 30_000 };

/**
 * The wait before retry number `attempt` (0 for the first): drawn uniformly from
 * [0, min(maxMs, baseMs · 2^attempt)), and never shorter than the server's `retryAfterMs`.
 */
export function refusedHandshakeDelayMs(
  attempt: number,
  retryAfterMs?: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { baseMs, maxMs } = { ...DEFAULT_BACKOFF, ...opts };
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  const asked = typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) ? retryAfterMs : 0;
  // Bounded by maxMs even if a server asks for more: a client must come back eventually.
  return Math.min(Math.max(jittered, asked), Math.max(maxMs, 0));
}

/** Refusals that a later handshake may get past: the node was busy, or a rate limit's window. */
export function refusalRetryable(code: string | undefined): boolean {
  return code === "unavailable" || code === "rate_limited";
}
