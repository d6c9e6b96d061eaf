/**
 * passport-local behind /token, passport-jwt on every other protected route. Failures become
 * catalogue errors (401 unauthorized / token_expired / invalid_credentials), never passport's
 * plain-text 401 or a 500.
 */
import passport from "passport";
import { Strategy as JwtStrategy, ExtractJwt } from "passport-jwt";
import { Strategy as LocalStrategy } from "passport-local";
import jwt from "jsonwebtoken";
import type { RequestHandler } from "express";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../domain/context.ts";
import { authenticate, findUser, type PublicUser } from "../domain/users.ts";

export function createPassport(ctx: DomainContext, secret: string): passport.PassportStatic {
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
  p.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: secret,
        algorithms: ["HS256"],
      },
      (claims: { sub?: string }, done) => {
        const id = Number(claims.sub);
        if (!Number.isSafeInteger(id) || id <= 0) return done(null, false);
        // A token of a user who no longer exists is refused.
        findUser(ctx, id).then((u) => done(null, u ?? false), done);
      },
    ),
  );
  return p;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User extends PublicUser {}
  }
}

export function requireJwt(p: passport.PassportStatic): RequestHandler {
  return (req, res, next) => {
    p.authenticate("jwt", { session: false }, (err: unknown, user: PublicUser | false, info: unknown) => {
      if (err) return next(err);
      if (!user) {
        if (info instanceof jwt.TokenExpiredError) return next(new AppError("token_expired"));
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
