/**
 * The node's revocation view: the ids of sessions ended recently enough that an access token of
 * theirs may still be unexpired (revoked within the last access-token lifetime, plus a margin).
 * TokenService.verify consults it synchronously on every request and handshake.
 *
 * PostgreSQL is the truth: the view is loaded at start and re-read every `pollMs` (a cheap indexed
 * query on sessions.revoked_at), so a session ended on any node is refused here within one period,
 * with or without Redis; a Redis blip cannot resurrect a session, as nothing depends on Redis.
 * Sessions this node ends are added at once. Each newly seen revocation is handed to `onRevoked`
 * (the gateway drops that session's sockets on this node).
 */
import type pg from "pg";
import type { Logger } from "pino";
import type { RevokedSessions } from "./tokens.ts";

export class RevocationView implements RevokedSessions {
  private readonly revoked = new Map<string, number>(); // sid → when it was revoked (ms)
  private timer: NodeJS.Timeout | undefined;
  private onRevoked: (sids: string[]) => void = () => undefined;

  constructor(
    private readonly pool: pg.Pool,
    /** How long an access token lives: older revocations need not be remembered. */
    private readonly ttlSeconds: number,
    private readonly log: Logger,
  ) {}

  isRevoked(sid: string): boolean {
    return this.revoked.has(sid);
  }

  /** Called with the sessions newly seen as ended (from this node or from PostgreSQL). */
  whenRevoked(fn: (sids: string[]) => void): void {
    this.onRevoked = fn;
  }

  /** Sessions this node just ended: refused at once, without waiting for the next re-read. */
  add(sids: string[]): void {
    const fresh = sids.filter((s) => !this.revoked.has(s));
    for (const s of fresh) this.revoked.set(s, Date.now());
    if (fresh.length > 0) this.onRevoked(fresh);
  }

  /** Re-reads the ended sessions from PostgreSQL and forgets those whose tokens have all expired. */
  async refresh(): Promise<void> {
    const keepSeconds = this.ttlSeconds + 60; // margin for clock skew between nodes and PostgreSQL
    const { rows } = await this.pool.query<{ id: string; at: string }>(
      `SELECT id, (extract(epoch FROM revoked_at) * 1000)::float8 AS at FROM sessions
       WHERE revoked_at > now() - make_interval(secs => $1)`,
      [keepSeconds],
    );
    const fresh: string[] = [];
    for (const r of rows) {
      if (!this.revoked.has(r.id)) fresh.push(r.id);
      this.revoked.set(r.id, Number(r.at));
    }
    const horizon = Date.now() - keepSeconds * 1000;
    for (const [sid, at] of this.revoked) if (at < horizon) this.revoked.delete(sid);
    if (fresh.length > 0) this.onRevoked(fresh);
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
