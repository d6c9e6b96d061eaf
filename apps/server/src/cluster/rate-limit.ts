/**
 * Rate limits: one narrow seam (`hit`, `count`, `refund`), a memory implementation for one node
 * (rate-limit.memory.ts) and a Redis one shared by every node of a cluster (rate-limit.redis.ts),
 * chosen in shared-state.ts. Fixed windows: simple, O(1) per hit, and good enough to stop brute
 * force and floods. Both pass test/contract/rate-limit.contract.ts.
 */
import { AppError } from "@chat/protocol";

export interface Limit {
  /** Counter name, e.g. "login-ip". */
  name: string;
  max: number;
  windowMs: number;
}

export interface RateLimiter {
  /** Counts one hit for `key`; answers how long to wait when over the limit (0 = allowed). */
  hit(limit: Limit, key: string): Promise<number>;
  /** Counts one hit for `key`; answers the hits in the current window (this one included). */
  count(limit: Limit, key: string): Promise<number>;
  /** Gives back one hit of the current window (a request that turned out to cost nothing). */
  refund(limit: Limit, key: string): Promise<void>;
}

/** Throws rate_limited with `details.retry_after` (seconds) when any of the limits is exceeded. */
export async function enforce(limiter: RateLimiter, checks: Array<[Limit, string]>): Promise<void> {
  for (const [limit, key] of checks) {
    if (limit.max <= 0) continue; // 0 disables a limit
    const waitMs = await limiter.hit(limit, key);
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      throw new AppError("rate_limited", `Too many requests; retry in ${retryAfter} s`, {
        retry_after: retryAfter,
      });
    }
  }
}
