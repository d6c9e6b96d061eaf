import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import { AppError, MAX_ID } from "@chat/protocol";

export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  /** The session (sessions.id) the token belongs to; absent in tokens issued before issue 15. */
  sid?: string;
}

/** What a valid token says: who, until when, and (since issue 15) which session. */
export interface VerifiedToken {
  userId: number;
  exp: number;
  sid?: string;
}

/**
 * Which sessions and accounts have ended (auth/revocations.ts): a token of an ended session, or of
 * a user whose account ended (even a token without `sid`), is refused.
 */
export interface RevokedSessions {
  isRevoked(sid: string): boolean;
  isUserEnded(userId: number): boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A user id as `sub` carries it: digits only, within PostgreSQL's INTEGER (a larger one was a 500). */
const SUBJECT = /^[1-9][0-9]{0,9}$/;

/**
 * Signs and verifies HS256 access tokens. Only HS256 is accepted: `alg: none` and RS/HS confusion
 * fail. `verify` is the one JWT check of the project: the socket handshake calls it and so does
 * every REST route (http/passport.ts delegates to it), so the two cannot disagree on a token.
 */
export class TokenService {
  constructor(
    private readonly secret: string,
    /** ACCESS_TOKEN_EXPIRE_MINUTES: the lifetime of `/api/v1`'s tokens. */
    readonly ttlSeconds: number,
    private readonly revoked: RevokedSessions = { isRevoked: () => false, isUserEnded: () => false },
  ) {}

  /** A token of `userId` (in session `sid`) living `ttlSeconds` (the origin's `POST /token` gives its own). */
  sign(userId: number, sid?: string, ttlSeconds = this.ttlSeconds): { token: string; expiresIn: number } {
    const token = jwt.sign(sid ? { sid } : {}, this.secret, {
      algorithm: "HS256",
      subject: String(userId),
      expiresIn: ttlSeconds,
      jwtid: crypto.randomUUID(),
    });
    return { token, expiresIn: ttlSeconds };
  }

  /**
   * The user id, expiry and session of a valid token; an AppError (401) otherwise. A token of an
   * ended session is refused here, so REST, the socket handshake and the origin WebSocket agree.
   * A token without `sid` (signed before sessions existed) is accepted until it expires: it lives
   * ACCESS_TOKEN_EXPIRE_MINUTES at most, and refusing it would log everyone out at the upgrade.
   */
  verify(token: string): VerifiedToken {
    let claims: TokenClaims;
    try {
      claims = jwt.verify(token, this.secret, { algorithms: ["HS256"] }) as TokenClaims;
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError("token_expired");
      throw new AppError("unauthorized", "The token is not valid");
    }
    // A token without `exp` never expires: refused, as is a subject that is not a user id.
    const sub = typeof claims.sub === "string" && SUBJECT.test(claims.sub) ? Number(claims.sub) : NaN;
    if (!(sub <= MAX_ID) || typeof claims.exp !== "number" || !Number.isFinite(claims.exp)) {
      throw new AppError("unauthorized", "The token is not valid");
    }
    if (claims.sid !== undefined && (typeof claims.sid !== "string" || !UUID.test(claims.sid))) {
      throw new AppError("unauthorized", "The token is not valid");
    }
    // A deleted account's token is refused as one of a user who does not exist (as findUser does).
    if (this.revoked.isUserEnded(sub)) throw new AppError("unauthorized", "The account was deleted");
    if (claims.sid !== undefined && this.revoked.isRevoked(claims.sid)) {
      throw new AppError("session_revoked");
    }
    const userId = sub;
    return claims.sid === undefined
      ? { userId, exp: claims.exp }
      : { userId, exp: claims.exp, sid: claims.sid };
  }
}
