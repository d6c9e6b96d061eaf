/**
 * Rate limits: one narrow seam (`hit`), a memory implementation for one node and a Redis one
 * shared by every node of a cluster, chosen in one place (createRateLimiter). Fixed windows:
 * simple, O(1) per hit, and good enough to stop brute force and floods.
 */
import type { Redis } from "ioredis";
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
  refund?(limit: Limit, key: string): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  async count(limit: Limit, key: string): Promise<number> {
    return this.add(limit, key).count;
  }

  async hit(limit: Limit, key: string): Promise<number> {
    const w = this.add(limit, key);
    return w.count > limit.max ? w.resetAt - Date.now() : 0;
  }

  async refund(limit: Limit, key: string): Promise<void> {
    const w = this.windows.get(`${limit.name}:${key}`);
    if (w && w.resetAt > Date.now() && w.count > 0) w.count--;
  }

  private add(limit: Limit, key: string) {
    const now = Date.now();
    const k = `${limit.name}:${key}`;
    let w = this.windows.get(k);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + limit.windowMs };
      this.windows.set(k, w);
      if (this.windows.size > 100_000) this.sweep(now);
    }
    w.count++;
    return w;
  }

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}`;

export class RedisRateLimiter implements RateLimiter {
  /** Until when Redis is skipped after a failure (a circuit breaker; 0 = closed). */
  private skipUntil = 0;
  private readonly fallback: RateLimiter;
  private readonly breakerMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    opts: {
      /** Used while Redis is unreachable or slow: limits keep working per node instead of failing open or closed. */
      fallback?: RateLimiter;
      /**
       * After a failed or timed-out command, go straight to memory this long: a stalled Redis
       * otherwise costs every send, login and handshake the full command timeout.
       */
      breakerMs?: number;
    } = {},
  ) {
    this.fallback = opts.fallback ?? new MemoryRateLimiter();
    this.breakerMs = opts.breakerMs ?? 5000;
  }

  async hit(limit: Limit, key: string): Promise<number> {
    const shared = await this.add(limit, key);
    if (!shared) return this.fallback.hit(limit, key);
    const [n, ttl] = shared;
    return n > limit.max ? Math.max(ttl, 1) : 0;
  }

  async count(limit: Limit, key: string): Promise<number> {
    const shared = await this.add(limit, key);
    return shared ? shared[0] : this.fallback.count(limit, key);
  }

  async refund(limit: Limit, key: string): Promise<void> {
    if (this.redis.status !== "ready" || Date.now() < this.skipUntil)
      return this.fallback.refund?.(limit, key);
    try {
      await this.redis.eval(REFUND_SCRIPT, 1, `${this.prefix}:rl:${limit.name}:${key}`);
    } catch {
      this.skipUntil = Date.now() + this.breakerMs;
    }
  }

  /** [hits, ms left in the window] from Redis, or undefined when Redis cannot answer in time. */
  private async add(limit: Limit, key: string): Promise<[number, number] | undefined> {
    if (this.redis.status !== "ready" || Date.now() < this.skipUntil) return undefined;
    try {
      // Bounded by the client's commandTimeout (REDIS_COMMAND_TIMEOUT_MS).
      return (await this.redis.eval(
        HIT_SCRIPT,
        1,
        `${this.prefix}:rl:${limit.name}:${key}`,
        String(limit.windowMs),
      )) as [number, number];
    } catch {
      this.skipUntil = Date.now() + this.breakerMs;
      return undefined;
    }
  }
}

const REFUND_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

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
