/**
 * Login brute force without locking the victim out (issue 12, item 11; OWASP's advice: slow an
 * account-wide flood rather than block it). Refused with 429: more than the limit per client
 * address (all accounts), and per (account, client address) — the attacker's own budget. An
 * account attacked from many addresses is only slowed: past the per-account limit each attempt
 * waits 100 ms, doubling per further attempt, capped at LOGIN_SLOWDOWN_MAX_MS. The victim's
 * correct password from their own address therefore still logs in, within that cap. Delayed
 * requests are counted and bounded (LOGIN_SLOWDOWN_MAX_WAITING per node): past it, 429 at once.
 */
import { AppError } from "@chat/protocol";
import { enforce, type RateLimiter } from "../cluster/rate-limit.ts";
import type { Limits } from "./limits.ts";

const FIRST_DELAY_MS = 100;

export class LoginThrottle {
  private waiting = 0;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Limits,
    private readonly opts: { maxDelayMs: number; maxWaiting: number },
  ) {}

  /** The delay of the n-th attempt at one account within the window. */
  delayFor(attempts: number): number {
    const over = attempts - this.limits.loginPerAccount.max;
    if (this.limits.loginPerAccount.max <= 0 || over <= 0) return 0;
    return Math.min(this.opts.maxDelayMs, FIRST_DELAY_MS * 2 ** Math.min(over - 1, 20));
  }

  /** Resolves when this attempt may check its password; throws rate_limited when it may not. */
  async admit(account: string, ip: string): Promise<void> {
    await enforce(this.limiter, [
      [this.limits.authPerIp, ip],
      [this.limits.loginPerAccountAddress, `${account}|${ip}`],
    ]);
    if (this.limits.loginPerAccount.max <= 0) return;
    const delay = this.delayFor(await this.limiter.count(this.limits.loginPerAccount, account));
    if (delay <= 0) return;
    if (this.waiting >= this.opts.maxWaiting) {
      throw new AppError("rate_limited", "Too many logins waiting; retry in 1 s", { retry_after: 1 });
    }
    this.waiting++;
    try {
      await new Promise((r) => setTimeout(r, delay));
    } finally {
      this.waiting--;
    }
  }
}
