/**
 * The signed-in tab's credentials (issue 15). The access token lives in memory and this tab's
 * sessionStorage (a reload keeps it; other sites' scripts and other tabs cannot read it); the
 * refresh token lives only in the HttpOnly cookie the server sets, never in the page.
 *
 * Several tabs share one session, hence one one-time refresh token: a refresh runs under a Web
 * Lock, so two tabs never present the same cookie (which the server would take for theft and end
 * the session); the winner posts its new access token on a BroadcastChannel, and a tab that then
 * gets the lock finds a fresh token already there and does not refresh again.
 */
import { ApiClient, ApiError, type RenewedToken } from "@chat/client/core";

const ACCESS_KEY = "chat.access";
const LOCK = "chat.refresh";
const CHANNEL = "chat.auth";
/** The header that makes the server keep the refresh token in its cookie (REFRESH_COOKIE_HEADER). */
const COOKIE = { "X-Refresh-Cookie": "1" };

interface Access {
  token: string;
  /** This machine's clock, ms. */
  expiresAt: number;
  /** The token's whole life, ms. */
  lifeMs: number;
}

const fromAnswer = (t: { access_token: string; expires_in: number }): Access => ({
  token: t.access_token,
  expiresAt: Date.now() + t.expires_in * 1000,
  lifeMs: t.expires_in * 1000,
});

export class Credentials {
  private access: Access | undefined;
  private readonly channel =
    typeof BroadcastChannel === "undefined" ? undefined : new BroadcastChannel(CHANNEL);

  constructor() {
    try {
      const a = JSON.parse(sessionStorage.getItem(ACCESS_KEY) ?? "null") as Access | null;
      if (a && typeof a.token === "string" && typeof a.expiresAt === "number") this.access = a;
    } catch {
      // unreadable: refresh
    }
    // Another tab refreshed: a later token of the same session serves here too.
    this.channel?.addEventListener("message", (ev: MessageEvent<Access>) => {
      const a = ev.data;
      if (a?.token && (!this.access || a.expiresAt > this.access.expiresAt)) this.keep(a);
    });
  }

  /** The current access token (maybe expired: callers refresh on token_expired). */
  get token(): string | undefined {
    return this.access?.token;
  }

  /** Milliseconds of validity left (negative when expired). */
  get leftMs(): number {
    return this.access ? this.access.expiresAt - Date.now() : -1;
  }

  /** Whether a quarter or less of the token's life is left (time to renew, e.g. after sleep). */
  get nearExpiry(): boolean {
    return !this.access || this.leftMs < this.access.lifeMs / 4;
  }

  /** Logs in (registering first when `name` is given); the refresh token goes to the cookie. */
  async login(email: string, password: string, name?: string): Promise<void> {
    const client = new ApiClient(location.origin);
    if (name !== undefined) await client.register(name, email, password);
    const t = await client.call("token", { body: { username: email, password }, headers: COOKIE });
    this.publish(fromAnswer(t));
  }

  /**
   * A token with at least half its life left: this one, one another tab just got, or a new one
   * from the cookie. Throws the server's ApiError when the session is over (401/403).
   */
  async fresh(): Promise<RenewedToken> {
    if (this.access && this.leftMs > this.access.lifeMs / 2) return this.answer();
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (locks) await locks.request(LOCK, () => this.refreshUnlessFresh());
    else await this.refreshUnlessFresh();
    return this.answer();
  }

  private async refreshUnlessFresh(): Promise<void> {
    if (this.access && this.leftMs > this.access.lifeMs / 2) return; // another tab was first
    const t = await new ApiClient(location.origin).call("refresh", { body: {}, headers: COOKIE });
    this.publish(fromAnswer(t));
  }

  /** Ends this session on the server (which clears the cookie) and forgets the token. */
  async logout(): Promise<void> {
    try {
      if (this.nearExpiry) await this.fresh();
      await new ApiClient(location.origin, { token: this.token }).call("logout");
    } catch {
      // Offline or already over: the tokens expire on their own.
    }
    this.forget();
  }

  forget(): void {
    this.access = undefined;
    sessionStorage.removeItem(ACCESS_KEY);
  }

  close(): void {
    this.channel?.close();
  }

  private answer(): RenewedToken {
    if (!this.access) throw new ApiError(401, { code: "session_revoked", message: "Not signed in" });
    return { access_token: this.access.token, expires_in: Math.max(1, Math.round(this.leftMs / 1000)) };
  }

  private publish(a: Access) {
    this.keep(a);
    this.channel?.postMessage(a);
  }

  private keep(a: Access) {
    this.access = a;
    sessionStorage.setItem(ACCESS_KEY, JSON.stringify(a));
  }
}

/** The server says the session is over (log in again), as opposed to a network failure. */
export const sessionOver = (err: unknown) =>
  err instanceof ApiError && (err.status === 401 || err.status === 403);
