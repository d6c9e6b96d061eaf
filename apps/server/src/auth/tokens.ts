import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import { AppError } from "@chat/protocol";

export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Signs and verifies HS256 access tokens. Only HS256 is accepted: `alg: none` and RS/HS confusion fail. */
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
    const userId = Number(claims.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof claims.exp !== "number") {
      throw new AppError("unauthorized", "The token is not valid");
    }
    return { userId, exp: claims.exp };
  }
}
