/**
 * Access-token renewal for a long-lived client (issue 15): when to renew, and which failures of
 * the caller's `renewToken` mean the session is over rather than "try again later".
 */

/** What `renewToken` answers: the new access token and its lifetime in seconds (the login answer's fields). */
export interface RenewedToken {
  access_token: string;
  expires_in: number;
}

/** Gets a fresh access token of the same session (e.g. POST /api/v1/auth/refresh). */
export type RenewToken = () => Promise<RenewedToken>;

/**
 * A failure that no retry will mend: the server refused the refresh (401 session_revoked, 403).
 * Anything else (network, timeout, 429, 5xx) is transient.
 */
export function renewalRefused(err: unknown): boolean {
  const e = err as { status?: unknown; code?: unknown } | null;
  if (e?.status === 401 || e?.status === 403) return true;
  return e?.code === "session_revoked" || e?.code === "unauthorized" || e?.code === "cross_site_refused";
}

/** `iat` and `exp` (seconds) of a JWT, read without verifying it; undefined if it is not one. */
function tokenTimes(token: string): { iat: number; exp: number } | undefined {
  try {
    const b64 = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "="))) as {
      iat?: unknown;
      exp?: unknown;
    };
    if (typeof claims.iat === "number" && typeof claims.exp === "number" && claims.exp > claims.iat) {
      return { iat: claims.iat, exp: claims.exp };
    }
  } catch {
    // not a JWT: no schedule from it
  }
  return undefined;
}

/**
 * Milliseconds from now until a token should be renewed: once `share` of its life has passed
 * (by this machine's clock, never more than its whole life from now).
 */
export function renewDelayMs(token: string, share: number, now = Date.now()): number | undefined {
  const t = tokenTimes(token);
  if (!t) return undefined;
  const life = t.exp - t.iat;
  const left = Math.min(t.exp - now / 1000, life);
  return Math.max(0, (left - life * (1 - share)) * 1000);
}
