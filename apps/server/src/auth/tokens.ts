import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import { AppError, MAX_ID } from "@chat/protocol";

export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

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
    readonly ttlSeconds: number,
  ) {}

  sign(userId: number): { token: string; expiresIn: number } {
    const token = jwt.sign({}, this.secret, {
      algorithm: "HS256",
      subject: String(userId),
      expiresIn: this.ttlSeconds,
      jwtid: crypto.randomUUID(),
    });
    return { token, expiresIn: this.ttlSeconds };
  }

  /** The user id and expiry of a valid token; an AppError (401) otherwise. */
  verify(token: string): { userId: number; exp: number } {
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
    const userId = sub;
    return { userId, exp: claims.exp };
  }
}
