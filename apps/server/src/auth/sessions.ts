/**
 * Sessions (issue 15): one row per login on a device, with a rotating refresh token of which only
 * a SHA-256 is stored. Plain SQL over the node's pool: every step is one statement, so two nodes
 * refreshing the same token at once cannot both win (the UPDATE matches the current hash once).
 */
import crypto from "node:crypto";
import type pg from "pg";
import { AppError } from "@chat/protocol";

/** Longest device label kept (from the client or the User-Agent). */
export const DEVICE_MAX = 200;

export const hashRefresh = (token: string) => crypto.createHash("sha256").update(token).digest("hex");
/** 256 random bits, base64url: opaque to the client. */
const newRefreshToken = () => crypto.randomBytes(32).toString("base64url");

/** A device label as stored: control characters dropped, length bounded. */
export function deviceLabel(raw: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (raw ?? "").replace(/[\u0000-\u001f\u007f]/g, "").slice(0, DEVICE_MAX);
}

export interface SessionRow {
  id: string;
  device: string;
  created_at: Date;
  last_used_at: Date;
  last_ip: string;
}

export type RevokeReason =
  "logout" | "signed_out" | "refresh_reuse" | "idle" | "password_changed" | "account_deleted";

export class SessionStore {
  constructor(
    private readonly pool: pg.Pool,
    /** Idle bound: a session unused (no refresh) this long is over. */
    readonly idleSeconds: number,
    /** Told of every session this node ends (the revocation view, and the other nodes). */
    private readonly onEnded: (sids: string[]) => void = () => undefined,
  ) {}

  async create(userId: number, device: string, ip: string): Promise<{ id: string; refreshToken: string }> {
    const refreshToken = newRefreshToken();
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO sessions (user_id, refresh_hash, device, last_ip) VALUES ($1, $2, $3, $4) RETURNING id`,
      [userId, hashRefresh(refreshToken), deviceLabel(device), ip.slice(0, 64)],
    );
    return { id: rows[0].id, refreshToken };
  }

  /**
   * One-time use: the current refresh token of a live session becomes a new one. A spent token
   * presented again ends its session (someone else holds a copy); an ended, idle or unknown one is
   * refused. Every refusal is 401 `session_revoked` so a client knows to log in again.
   */
  async rotate(
    refreshToken: string,
    ip: string,
  ): Promise<{ id: string; userId: number; refreshToken: string }> {
    const old = hashRefresh(refreshToken);
    const next = newRefreshToken();
    const { rows } = await this.pool.query<{ id: string; user_id: number; generation: number }>(
      `WITH s AS (
         UPDATE sessions SET refresh_hash = $2, generation = generation + 1, last_used_at = now(), last_ip = $3
         WHERE refresh_hash = $1 AND revoked_at IS NULL AND last_used_at > now() - make_interval(secs => $4)
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = sessions.user_id AND u.deleted_at IS NOT NULL)
         RETURNING id, user_id, generation)
       INSERT INTO spent_refresh_tokens (token_hash, session_id, generation)
       SELECT $1, id, generation - 1 FROM s
       RETURNING session_id AS id, (SELECT user_id FROM s) AS user_id, generation`,
      [old, hashRefresh(next), ip.slice(0, 64), this.idleSeconds],
    );
    if (rows[0]) return { id: rows[0].id, userId: rows[0].user_id, refreshToken: next };

    const spent = await this.pool.query<{ session_id: string }>(
      `SELECT session_id FROM spent_refresh_tokens WHERE token_hash = $1`,
      [old],
    );
    if (spent.rows[0]) {
      await this.end(spent.rows[0].session_id, "refresh_reuse");
      throw new AppError("session_revoked", "This refresh token was already used; the session is ended");
    }
    // The current token of a session past its idle bound: end it so it is listed no more.
    const idle = await this.pool.query<{ id: string }>(
      `UPDATE sessions SET revoked_at = now(), revoke_reason = 'idle'
       WHERE refresh_hash = $1 AND revoked_at IS NULL RETURNING id`,
      [old],
    );
    if (idle.rows[0]) this.onEnded([idle.rows[0].id]);
    throw new AppError("session_revoked");
  }

  /** Ends one session (of `userId` when given); false when there is no such live session. */
  async end(sid: string, reason: RevokeReason, userId?: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE sessions SET revoked_at = now(), revoke_reason = $2
       WHERE id = $1 AND revoked_at IS NULL AND ($3::int IS NULL OR user_id = $3) RETURNING id`,
      [sid, reason, userId ?? null],
    );
    if (rows[0]) this.onEnded([rows[0].id]);
    return rows.length > 0;
  }

  /** Ends every live session of a user except `keep`; how many ended. */
  async endAllBut(userId: number, keep: string | undefined, reason: RevokeReason): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE sessions SET revoked_at = now(), revoke_reason = $3
       WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2) RETURNING id`,
      [userId, keep ?? null, reason],
    );
    if (rows.length > 0) this.onEnded(rows.map((r) => r.id));
    return rows.length;
  }

  /** How many live sessions a user has (ended with the account: the deletion answers the count). */
  async countLive(userId: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId],
    );
    return rows[0].n;
  }

  /** A user's live sessions, most recently used first. */
  async list(userId: number): Promise<SessionRow[]> {
    const { rows } = await this.pool.query<SessionRow>(
      `SELECT id, device, created_at, last_used_at, last_ip FROM sessions
       WHERE user_id = $1 AND revoked_at IS NULL AND last_used_at > now() - make_interval(secs => $2)
       ORDER BY last_used_at DESC, created_at DESC LIMIT 200`,
      [userId, this.idleSeconds],
    );
    return rows;
  }
}
