/**
 * The filesystem driver's links: what S3's presigned URLs are for the S3 driver, made by the node
 * and served by the node (blob-routes.ts). A link is `/api/v1/blobs/<payload>.<signature>`: the
 * payload (base64url JSON) names the operation, key, expiry and what the answer or upload is
 * bound to; the signature is HMAC-SHA256 over it with a key derived from the JWT secret, so any
 * node of a cluster sharing the secret (and the volume) accepts it, and a changed byte refuses it.
 */
import crypto from "node:crypto";
import { API_PREFIX } from "@chat/protocol";
import { AppError } from "@chat/protocol";

export const BLOB_PATH = `${API_PREFIX}/blobs`;

/** A URL with a link's token cut out, for logs. */
export const redactBlobToken = (url: string) =>
  url.startsWith(`${BLOB_PATH}/`) ? `${BLOB_PATH}/[token]` : url;

export type LinkClaims =
  | { op: "put"; key: string; exp: number; size: number; type: string }
  | { op: "get"; key: string; exp: number; type: string; disposition: string };

/** A link's claims before its expiry is set. */
export type LinkRequest = LinkClaims extends infer C
  ? C extends LinkClaims
    ? Omit<C, "exp">
    : never
  : never;

export class BlobLinks {
  private readonly key: Buffer;
  /** `secret`: the node's JWT secret; the links' own key is derived from it. */
  constructor(
    secret: string | Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.key = crypto.createHmac("sha256", secret).update("chat blob links v1").digest();
  }

  private sign(payload: string): string {
    return crypto.createHmac("sha256", this.key).update(payload).digest("base64url");
  }

  /** A path (relative to the API origin) carrying `claims` until `expiresIn` seconds from now. */
  link(claims: LinkRequest, expiresIn: number): string {
    const exp = Math.floor(this.now() / 1000) + expiresIn;
    const payload = Buffer.from(JSON.stringify({ ...claims, exp })).toString("base64url");
    return `${BLOB_PATH}/${payload}.${this.sign(payload)}`;
  }

  /** The claims of a link's last path segment: `forbidden` if tampered with or expired. */
  verify(token: string): LinkClaims {
    const [payload, sig, extra] = token.split(".");
    const given = Buffer.from(sig ?? "");
    const wanted = Buffer.from(payload ? this.sign(payload) : "");
    const good =
      extra === undefined &&
      wanted.length > 0 &&
      given.length === wanted.length &&
      crypto.timingSafeEqual(given, wanted);
    if (!good) throw new AppError("forbidden", "This link is not valid");
    let claims: LinkClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as LinkClaims;
    } catch {
      throw new AppError("forbidden", "This link is not valid");
    }
    if (!(typeof claims.exp === "number" && claims.exp * 1000 > this.now())) {
      throw new AppError("forbidden", "This link has expired");
    }
    return claims;
  }
}
