import { Router, type Request, type RequestHandler, type Response } from "express";
import type passport from "passport";
import { AppError, TokenBody } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import { registerUser } from "../../domain/users.ts";
import type { TokenService } from "../../auth/tokens.ts";
import type { SessionStore } from "../../auth/sessions.ts";
import { bind } from "../bind.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import { requireLocal } from "../passport.ts";
import { LoginThrottle } from "../../security/login-throttle.ts";
import {
  clearRefreshCookie,
  readRefreshCookie,
  refreshCookieGuard,
  setRefreshCookie,
  wantsRefreshCookie,
} from "../refresh-cookie.ts";

export function authRoutes(
  ctx: DomainContext,
  tokens: TokenService,
  sessions: SessionStore,
  p: passport.PassportStatic,
  slowdown: { maxDelayMs: number; maxWaiting: number } = { maxDelayMs: 2000, maxWaiting: 200 },
  /** Who may use the refresh cookie besides this site's own pages (CORS_ORIGINS). */
  corsOrigins: string[] | "same-origin" = "same-origin",
): Router {
  const r = Router();
  const cookieGuard = refreshCookieGuard(corsOrigins);
  bind(r, "register", [], async ({ body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    const user = await registerUser(ctx, body);
    return { ...user, message: `User ${user.email} registered` };
  });

  /**
   * A login's or a refresh's answer: a new access token of the session, and its next refresh
   * token, in the body or (when the request asked with X-Refresh-Cookie) in the cookie only.
   */
  const tokenAnswer = (
    req: Request,
    res: Response,
    userId: number,
    session: { id: string; refreshToken: string },
  ) => {
    const { token, expiresIn } = tokens.sign(userId, session.id);
    const answer = { access_token: token, token_type: "bearer" as const, expires_in: expiresIn };
    if (!wantsRefreshCookie(req)) {
      return { ...answer, refresh_token: session.refreshToken, session_id: session.id };
    }
    setRefreshCookie(res, session.refreshToken, sessions.idleSeconds);
    return { ...answer, session_id: session.id };
  };

  // Every login is a new session (a device); the refresh token is handed out once, here.
  bind(r, "token", [cookieGuard, ...loginGuards(ctx, p, slowdown)], async ({ user, req, res }) => {
    const session = await sessions.create(user.id, loginDevice(req), req.ip ?? "");
    return tokenAnswer(req, res, user.id, session);
  });

  // Rotation: per-IP limited like login (a refresh token is a credential).
  bind(r, "refresh", [cookieGuard], async ({ body, req, res }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    const viaCookie = body.refresh_token === undefined;
    const refreshToken = body.refresh_token ?? cookieToken(req);
    try {
      const session = await sessions.rotate(refreshToken, req.ip ?? "");
      return tokenAnswer(req, res, session.userId, session);
    } catch (err) {
      // A refused cookie (spent, ended, idle) is of no more use: the browser forgets it.
      if (viaCookie && err instanceof AppError && err.code === "session_revoked") clearRefreshCookie(res);
      throw err;
    }
  });
  return r;
}

/** The refresh token of a request without one in its body: the cookie, if the page asked for it. */
function cookieToken(req: Request): string {
  const cookie = readRefreshCookie(req);
  if (!wantsRefreshCookie(req)) {
    // A cookie without the header is what a cross-site form would send.
    if (cookie !== undefined) throw new AppError("cross_site_refused");
    throw new AppError("validation_failed", "Invalid body", [
      { path: "refresh_token", message: "Required (or X-Refresh-Cookie: 1 with the cookie)", in: "body" },
    ]);
  }
  if (cookie === undefined) throw new AppError("session_revoked", "No refresh cookie: log in again");
  return cookie;
}

/** The device label of a login: what the client calls itself (X-Device-Name), else its User-Agent. */
export function loginDevice(req: { headers: Record<string, string | string[] | undefined> }): string {
  const named = req.headers["x-device-name"];
  const ua = req.headers["user-agent"];
  return (typeof named === "string" && named.trim()) || (typeof ua === "string" ? ua : "");
}

/**
 * What runs before /token's handler on both surfaces: validate (form or JSON), let `email` stand
 * for OAuth2's `username`, admit through the login throttle, then passport-local.
 */
export function loginGuards(
  ctx: DomainContext,
  p: passport.PassportStatic,
  slowdown: { maxDelayMs: number; maxWaiting: number } = { maxDelayMs: 2000, maxWaiting: 200 },
): RequestHandler[] {
  const throttle = new LoginThrottle(ctx.limiter, ctx.limits, slowdown);
  const normalize = async (
    req: { body: unknown; ip?: string },
    _res: unknown,
    next: (e?: unknown) => void,
  ) => {
    const parsed = TokenBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      return next(
        new AppError(
          "validation_failed",
          "Invalid body",
          parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, in: "body" })),
        ),
      );
    }
    const username = (parsed.data.username ?? parsed.data.email ?? "").trim().toLowerCase();
    try {
      // Brute force, before any password is checked: refused per address and per (account,
      // address), slowed per account (security/login-throttle.ts).
      await throttle.admit(username, req.ip ?? "?");
    } catch (err) {
      return next(err);
    }
    req.body = { username, password: parsed.data.password };
    next();
  };
  return [normalize, requireLocal(p)];
}
