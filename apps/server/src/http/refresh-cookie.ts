/**
 * The web app's refresh token lives in an HttpOnly cookie, not in the page (issue 15): scripts,
 * including injected ones, cannot read it. It is `Secure; SameSite=Strict` and scoped to
 * `/api/v1/auth` (refresh and logout), so no other request carries it.
 *
 * CSRF: using the cookie needs the custom header `X-Refresh-Cookie: 1`. A cross-site form cannot
 * send a header, and a cross-site fetch with one needs a CORS preflight that http-hardening.ts
 * refuses (the header is not among the allowed ones). A browser's `Origin`, when present, must
 * still be this site or a CORS_ORIGINS entry: 403 `cross_site_refused` otherwise.
 */
import type { Request, RequestHandler, Response } from "express";
import { API_PREFIX, AppError, REFRESH_COOKIE } from "@chat/protocol";
import { isOwnOrigin } from "../security/site-origin.ts";

const PATH = `${API_PREFIX}/auth`;

/** The request asks to keep (or use) its refresh token in the cookie. */
export const wantsRefreshCookie = (req: Request) => req.headers["x-refresh-cookie"] === "1";

/** The refresh cookie's value, if the request carries one. */
export function readRefreshCookie(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === REFRESH_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Refuses a cookie request whose browser says it comes from another site. */
export function refreshCookieGuard(corsOrigins: string[] | "same-origin"): RequestHandler {
  return (req, _res, next) => {
    const origin = req.headers.origin;
    if (wantsRefreshCookie(req) && origin !== undefined && !isOwnOrigin(origin, req.headers, corsOrigins)) {
      return next(new AppError("cross_site_refused"));
    }
    next();
  };
}

/** Sets the cookie for as long as the session may stay idle (each rotation starts that period again). */
export function setRefreshCookie(res: Response, token: string, idleSeconds: number): void {
  res.cookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    // Browsers keep Secure cookies on https and on http://localhost / 127.0.0.1 only: deployments
    // serve the web app over TLS (docs/security.md, "Web app sessions").
    secure: true,
    sameSite: "strict",
    path: PATH,
    maxAge: Math.max(1, Math.floor(idleSeconds)) * 1000,
  });
}

export function clearRefreshCookie(res: Response): void {
  res.clearCookie(REFRESH_COOKIE, { httpOnly: true, secure: true, sameSite: "strict", path: PATH });
}
