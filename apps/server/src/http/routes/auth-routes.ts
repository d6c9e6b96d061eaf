import { Router, type RequestHandler } from "express";
import type passport from "passport";
import { AppError, TokenBody } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import { registerUser } from "../../domain/users.ts";
import type { TokenService } from "../../auth/tokens.ts";
import { bind } from "../bind.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import { requireLocal } from "../passport.ts";
import { LoginThrottle } from "../../security/login-throttle.ts";

export function authRoutes(
  ctx: DomainContext,
  tokens: TokenService,
  p: passport.PassportStatic,
  slowdown: { maxDelayMs: number; maxWaiting: number } = { maxDelayMs: 2000, maxWaiting: 200 },
): Router {
  const r = Router();
  bind(r, "register", [], async ({ body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    const user = await registerUser(ctx, body);
    return { ...user, message: `User ${user.email} registered` };
  });

  bind(r, "token", loginGuards(ctx, p, slowdown), async ({ user }) => {
    const { token, expiresIn } = tokens.sign(user.id);
    return { access_token: token, token_type: "bearer" as const, expires_in: expiresIn };
  });
  return r;
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
