/** Tokens an attacker might present: each must be refused by REST and by the socket handshake. */
import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import { TEST_SECRET } from "../../support/node.ts";
import { USER_PRINCIPALS, type Principal, type UserPrincipal } from "../access/matrix.ts";

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

/** Well-formed HS256, right claims, signed with another secret. */
export function forgedToken(userId: number): string {
  return jwt.sign({}, "another-secret-of-at-least-thirty-two-bytes!!", {
    algorithm: "HS256",
    subject: String(userId),
    expiresIn: 1800,
    jwtid: crypto.randomUUID(),
  });
}

/** Signed with the node's own secret, but it expired half an hour ago. */
export function expiredToken(userId: number): string {
  const iat = now() - 3600;
  return jwt.sign({ sub: String(userId), iat, exp: iat + 1800, jti: crypto.randomUUID() }, TEST_SECRET, {
    algorithm: "HS256",
  });
}

/** A real token of the node's secret that expires in `seconds`. */
export function shortLivedToken(userId: number, seconds: number): string {
  const iat = now();
  return jwt.sign({ sub: String(userId), iat, exp: iat + seconds, jti: crypto.randomUUID() }, TEST_SECRET, {
    algorithm: "HS256",
  });
}

/** The classic `alg: none` token: unsigned, claims otherwise valid. */
export function algNoneToken(userId: number): string {
  const iat = now();
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: String(userId), iat, exp: iat + 1800, jti: crypto.randomUUID() })}.`;
}

/** Header and claims of a token, unverified. */
export function decodeToken(token: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
} {
  const [h, c] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(h, "base64url").toString()),
    claims: JSON.parse(Buffer.from(c, "base64url").toString()),
  };
}

/**
 * What each principal of the access matrix presents: the broken tokens (made for `victimId`),
 * the token of a user who was deleted, and the real users' own tokens.
 */
export function principalTokens(
  victimId: number,
  deletedUsersToken: string,
  users: Record<UserPrincipal, { token: string }>,
): Record<Principal, string | undefined> {
  return {
    none: undefined,
    forged: forgedToken(victimId),
    expired: expiredToken(victimId),
    algNone: algNoneToken(victimId),
    deleted: deletedUsersToken,
    ...(Object.fromEntries(USER_PRINCIPALS.map((p) => [p, users[p].token])) as Record<UserPrincipal, string>),
  };
}
