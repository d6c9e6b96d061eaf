/**
 * Fixed-window counters shared by every node through Redis (one key per window, INCR + PEXPIRE in
 * one script). A circuit breaker keeps a stalled Redis from costing every hit the command timeout:
 * after a failure, the per-node memory limiter answers for REDIS_BREAKER_MS. Each script touches
 * its one key (KEYS[1]), so it runs on a Redis Cluster as is, on the master of that key's slot.
 */
import type { RedisClient } from "./redis-client.ts";
import type { Limit, RateLimiter } from "./rate-limit.ts";
import { MemoryRateLimiter } from "./rate-limit.memory.ts";

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
    private readonly redis: RedisClient,
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
