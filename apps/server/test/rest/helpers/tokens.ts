/** Tokens a client might present: forged, expired, wrong key, unsigned. Signed with jsonwebtoken. */
import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import { TEST_SECRET } from "../../support/node.ts";

/** A token the node accepts (same secret and algorithm as the node), for users the tests create. */
export function validToken(userId: number, opts: jwt.SignOptions = {}): string {
  return jwt.sign({}, TEST_SECRET, { algorithm: "HS256", subject: String(userId), expiresIn: 600, ...opts });
}

/** Every kind of bad token, by name; each must be a 401 on every protected route. */
export function badTokens(userId: number): Record<string, string> {
  const sub = String(userId);
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const valid = validToken(userId);
  return {
    garbage: "not-a-jwt",
    "three garbage parts": "aaa.bbb.ccc",
    expired: jwt.sign({ sub, iat: now - 3600, exp: now - 60 }, TEST_SECRET, { algorithm: "HS256" }),
    "wrong key": jwt.sign({}, "another-secret-of-at-least-thirty-two-bytes!", {
      algorithm: "HS256",
      subject: sub,
      expiresIn: 600,
    }),
    "alg none": jwt.sign({ sub }, null, { algorithm: "none" }),
    "alg none, hand-made": `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub, exp: now + 600 })}.`,
    // Right secret, wrong algorithm: the node pins HS256.
    HS512: jwt.sign({}, TEST_SECRET, { algorithm: "HS512", subject: sub, expiresIn: 600 }),
    "tampered payload": `${valid.split(".")[0]}.${b64({ sub: String(userId + 1), exp: now + 600 })}.${valid.split(".")[2]}`,
    "no subject": jwt.sign({ exp: now + 600 }, TEST_SECRET, { algorithm: "HS256" }),
    "subject not a number": jwt.sign({}, TEST_SECRET, {
      algorithm: "HS256",
      subject: "admin",
      expiresIn: 600,
    }),
    "unknown user": validToken(2_000_000_000),
    "not yet valid": jwt.sign({}, TEST_SECRET, {
      algorithm: "HS256",
      subject: sub,
      expiresIn: 1200,
      notBefore: 600,
    }),
    "random bytes": crypto.randomBytes(48).toString("base64url"),
  };
}
