/** Fixed-window counters of a single node, in a map swept when it grows large. */
import type { Limit, RateLimiter } from "./rate-limit.ts";

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
