import { Router, type RequestHandler } from "express";
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

export function authRoutes(
  ctx: DomainContext,
  tokens: TokenService,
  sessions: SessionStore,
  p: passport.PassportStatic,
  slowdown: { maxDelayMs: number; maxWaiting: number } = { maxDelayMs: 2000, maxWaiting: 200 },
): Router {
  const r = Router();
  bind(r, "register", [], async ({ body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    const user = await registerUser(ctx, body);
    return { ...user, message: `User ${user.email} registered` };
  });

  /** A login's or a refresh's answer: a new access token of the session, and its next refresh token. */
  const tokenAnswer = (userId: number, session: { id: string; refreshToken: string }) => {
    const { token, expiresIn } = tokens.sign(userId, session.id);
    return {
      access_token: token,
      token_type: "bearer" as const,
      expires_in: expiresIn,
      refresh_token: session.refreshToken,
      session_id: session.id,
    };
  };

  // Every login is a new session (a device); the refresh token is handed out once, here.
  bind(r, "token", loginGuards(ctx, p, slowdown), async ({ user, req }) => {
    const session = await sessions.create(user.id, loginDevice(req), req.ip ?? "");
    return tokenAnswer(user.id, session);
  });

  // Rotation: per-IP limited like login (a refresh token is a credential).
  bind(r, "refresh", [], async ({ body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    const session = await sessions.rotate(body.refresh_token, req.ip ?? "");
    return tokenAnswer(session.userId, session);
  });
  return r;
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
