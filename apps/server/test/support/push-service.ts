/**
 * A local push-service stand-in for Web Push tests, and what a browser does with a push: its
 * subscription keys (a P-256 key pair and a 16-byte auth secret) and the decryption of an
 * aes128gcm payload (RFC 8188 framing, RFC 8291 keys). Test-only; node's crypto does the work.
 */
import crypto from "node:crypto";
import http from "node:http";

export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** Decrypts a push request's body meant for this subscription (throws if it is not). */
  decrypt(body: Buffer): string;
}

export interface PushRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** What the stand-in answers at a path: a status, or "stall" (it never answers). */
export type PushAnswer = number | "stall";

export interface PushService {
  url: string;
  received: PushRequest[];
  /** Requests to one path. */
  at(path: string): PushRequest[];
  /** The answer for paths starting with `prefix` (default 201). */
  answer(prefix: string, a: PushAnswer): void;
  /** A subscription a browser would make, at `/push/{name}` of this service. */
  subscription(name: string): BrowserSubscription;
  close(): Promise<void>;
}

export async function startPushService(): Promise<PushService> {
  const received: PushRequest[] = [];
  const answers = new Map<string, PushAnswer>();
  const stalled = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      const a = [...answers].find(([prefix]) => path.startsWith(prefix))?.[1] ?? 201;
      if (a === "stall") return void stalled.add(res);
      res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    received,
    at: (path) => received.filter((r) => r.path === path),
    answer: (prefix, a) => void answers.set(prefix, a),
    subscription: (name) => browserSubscription(`${url}/push/${name}`),
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export function browserSubscription(endpoint: string): BrowserSubscription {
  const ecdh = crypto.createECDH("prime256v1");
  const uaPublic = ecdh.generateKeys();
  const authSecret = crypto.randomBytes(16);
  return {
    endpoint,
    keys: { p256dh: uaPublic.toString("base64url"), auth: authSecret.toString("base64url") },
    decrypt: (body) => decryptAes128gcm(body, ecdh, uaPublic, authSecret),
  };
}

/** RFC 8291 §3.4 and RFC 8188: one record (a push is at most 4096 bytes). */
function decryptAes128gcm(body: Buffer, ecdh: crypto.ECDH, uaPublic: Buffer, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid is not a P-256 public key (${idlen} bytes)`);
  if (record.length > rs) throw new Error("more than one record");
  const ecdhSecret = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), uaPublic, asPublic]);
  const ikm = Buffer.from(crypto.hkdfSync("sha256", ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(
    crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16),
  );
  const nonce = Buffer.from(
    crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12),
  );
  const decipher = crypto.createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("no last-record delimiter");
  return padded.subarray(0, end).toString("utf8");
}

/**
 * Checks a push request's VAPID `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292): the
 * key is the server's, the ES256 signature holds, the audience is the push service's origin.
 */
export function verifyVapid(req: PushRequest, publicKey: string, origin: string): { sub: string } {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(String(req.headers.authorization ?? ""));
  if (!m) throw new Error(`no vapid authorization: ${String(req.headers.authorization)}`);
  const [jwt, k] = [m[1], m[2]];
  if (k !== publicKey) throw new Error("k is not the server's VAPID key");
  const [h, p, s] = jwt.split(".");
  const point = Buffer.from(publicKey, "base64url");
  const key = crypto.createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
    },
    format: "jwk",
  });
  const ok = crypto.verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(s, "base64url"),
  );
  if (!ok) throw new Error("VAPID signature does not verify");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as {
    aud: string;
    sub: string;
    exp: number;
  };
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  return claims;
}
