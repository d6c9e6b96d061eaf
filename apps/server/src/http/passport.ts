/**
 * passport-local behind /token, a bearer-token strategy on every other protected route. Failures
 * become catalogue errors (401 unauthorized / token_expired / invalid_credentials), never
 * passport's plain-text 401 or a 500.
 */
import passport from "passport";
import { Strategy as LocalStrategy } from "passport-local";
import type { Request, RequestHandler } from "express";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../domain/context.ts";
import { authenticate, findUser, type PublicUser } from "../domain/users.ts";
import type { TokenService } from "../auth/tokens.ts";

/**
 * `Authorization: Bearer <token>`, checked by TokenService.verify: the socket handshake's own
 * check, so REST and sockets accept exactly the same tokens (passport-jwt accepted a token
 * without `exp`, and a `sub` past INTEGER reached the database as a 500).
 */
class BearerStrategy extends passport.Strategy {
  override name = "jwt";
  constructor(
    private readonly tokens: TokenService,
    private readonly ctx: DomainContext,
  ) {
    super();
  }
  override authenticate(req: Request) {
    const header = req.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (!token) return this.fail(new AppError("unauthorized"), 401);
    let userId: number;
    let sid: string | undefined;
    try {
      ({ userId, sid } = this.tokens.verify(token));
    } catch (err) {
      return this.fail(err instanceof AppError ? err : new AppError("unauthorized"), 401);
    }
    // A token of a user who no longer exists is refused.
    findUser(this.ctx, userId).then(
      (u) => (u ? this.success(sid ? { ...u, sid } : u) : this.fail(new AppError("unauthorized"), 401)),
      (err) => this.error(err),
    );
  }
}

/** The one passport of a node: local (password) login, and bearer tokens checked by `tokens.verify`. */
export function createPassport(ctx: DomainContext, tokens: TokenService): passport.PassportStatic {
  const p = new passport.Passport() as unknown as passport.PassportStatic;
  p.use(
    new LocalStrategy(
      { usernameField: "username", passwordField: "password", session: false },
      (u, pw, done) => {
        authenticate(ctx, u, pw).then(
          (user) => done(null, user),
          (err) => (err instanceof AppError ? done(null, false, { message: err.code }) : done(err)),
        );
      },
    ),
  );
  p.use(new BearerStrategy(tokens, ctx));
  return p;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User extends PublicUser {
      /** The session of the bearer token (absent for a token issued before sessions existed). */
      sid?: string;
    }
  }
}

export function requireJwt(p: passport.PassportStatic): RequestHandler {
  return (req, res, next) => {
    p.authenticate("jwt", { session: false }, (err: unknown, user: PublicUser | false, info: unknown) => {
      if (err) return next(err);
      if (!user) {
        if (info instanceof AppError && (info.code === "token_expired" || info.code === "session_revoked")) {
          return next(info);
        }
        return next(new AppError("unauthorized"));
      }
      req.user = user;
      next();
    })(req, res, next);
  };
}

export function requireLocal(p: passport.PassportStatic): RequestHandler {
  return (req, res, next) => {
    p.authenticate("local", { session: false }, (err: unknown, user: PublicUser | false) => {
      if (err) return next(err);
      if (!user) return next(new AppError("invalid_credentials"));
      req.user = user;
      next();
    })(req, res, next);
  };
}
