/**
 * The node's revocation view: the ids of sessions ended, and of accounts ended (deleted through the
 * API or in SQL: `account_ends`), recently enough that an access token of theirs may still be
 * unexpired (within the longest access-token lifetime, plus a margin). TokenService.verify consults
 * it synchronously on every request and handshake.
 *
 * PostgreSQL is the truth: the view is loaded at start and re-read every `pollMs` (cheap indexed
 * queries on sessions.revoked_at and account_ends.ended_at), so an end written by any node, or by
 * an operator in SQL, is seen here within one period, with or without Redis. Ends are also pushed
 * (node.ts: the node that ends a session tells the others through the adapter, and each adds it
 * here at once), and the view is re-read whole when Redis comes back: a push lost in a Redis blip
 * is found by the next read, and nothing is ever taken out of the view because Redis said so.
 * Each newly seen end is handed to `onRevoked` (node.ts drops the sockets on this node).
 */
import type pg from "pg";
import type { Logger } from "pino";
import type { RevokedSessions } from "./tokens.ts";

/** Ended sessions and ended accounts, as pushed between nodes and handed to `whenRevoked`. */
export interface Revoked {
  sids: string[];
  users: number[];
}

export class RevocationView implements RevokedSessions {
  private readonly revoked = new Map<string, number>(); // sid → when it was revoked (ms)
  private readonly ended = new Map<number, number>(); // user id → when the account ended (ms)
  private timer: NodeJS.Timeout | undefined;
  private onRevoked: (fresh: Revoked) => void = () => undefined;

  constructor(
    private readonly pool: pg.Pool,
    /** How long an access token lives: older revocations need not be remembered. */
    private readonly ttlSeconds: number,
    private readonly log: Logger,
  ) {}

  isRevoked(sid: string): boolean {
    return this.revoked.has(sid);
  }

  /** The account ended: every token of the user is refused, with or without `sid`. */
  isUserEnded(userId: number): boolean {
    return this.ended.has(userId);
  }

  /** The accounts ended within the view's memory. */
  endedUsers(): number[] {
    return [...this.ended.keys()];
  }

  /** Called with the sessions and accounts newly seen as ended (here, pushed, or from PostgreSQL). */
  whenRevoked(fn: (fresh: Revoked) => void): void {
    this.onRevoked = fn;
  }

  /** Ends this node made or was told of: refused at once, without waiting for the next re-read. */
  add({ sids, users }: Revoked): void {
    const now = Date.now();
    const fresh = {
      sids: sids.filter((s) => !this.revoked.has(s)),
      users: users.filter((u) => !this.ended.has(u)),
    };
    for (const s of fresh.sids) this.revoked.set(s, now);
    for (const u of fresh.users) this.ended.set(u, now);
    if (fresh.sids.length + fresh.users.length > 0) this.onRevoked(fresh);
  }

  /** Re-reads the ends from PostgreSQL and forgets those whose tokens have all expired. */
  async refresh(): Promise<void> {
    const keepSeconds = this.ttlSeconds + 60; // margin for clock skew between nodes and PostgreSQL
    const [sessions, accounts] = await Promise.all([
      this.pool.query<{ id: string; at: number }>(
        `SELECT id, (extract(epoch FROM revoked_at) * 1000)::float8 AS at FROM sessions
         WHERE revoked_at > now() - make_interval(secs => $1)`,
        [keepSeconds],
      ),
      this.pool.query<{ id: number; at: number }>(
        `SELECT user_id AS id, (extract(epoch FROM ended_at) * 1000)::float8 AS at FROM account_ends
         WHERE ended_at > now() - make_interval(secs => $1)`,
        [keepSeconds],
      ),
    ]);
    const fresh: Revoked = { sids: [], users: [] };
    for (const r of sessions.rows) {
      if (!this.revoked.has(r.id)) fresh.sids.push(r.id);
      this.revoked.set(r.id, Number(r.at));
    }
    for (const r of accounts.rows) {
      if (!this.ended.has(r.id)) fresh.users.push(r.id);
      this.ended.set(r.id, Number(r.at));
    }
    const horizon = Date.now() - keepSeconds * 1000;
    for (const [sid, at] of this.revoked) if (at < horizon) this.revoked.delete(sid);
    for (const [user, at] of this.ended) if (at < horizon) this.ended.delete(user);
    if (fresh.sids.length + fresh.users.length > 0) this.onRevoked(fresh);
  }

  /** Loads the view, then keeps it true every `pollMs`. A failed re-read keeps the last view. */
  async start(pollMs: number): Promise<void> {
    await this.refresh();
    const tick = () => {
      this.refresh()
        .catch((err) => this.log.warn({ err }, "revocation view: re-read failed"))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, pollMs).unref();
        });
    };
    this.timer = setTimeout(tick, pollMs).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
