/**
 * A self-signed X.509 certificate from Node's crypto alone, for machines without `openssl` (dev-cert.ts
 * prefers openssl). Node can make and use keys but has no API that writes a certificate, so this
 * encodes the one fixed shape it needs in DER: ECDSA P-256 with SHA-256, a CN, a validity, basic
 * constraints CA:TRUE (clients may trust it as its own CA), subjectAltName (DNS names and IP addresses)
 * and extendedKeyUsage serverAuth. Not a general ASN.1 library: nothing here parses.
 */
import crypto from "node:crypto";
import net from "node:net";

/** The subject's O= of every development certificate: how dev-cert.ts knows one it may replace. */
export const DEV_CERT_ORGANIZATION = "chat-cluster development";

const der = (tag: number, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), length(body.length), body]);

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const octets = (b: Buffer) => der(0x04, b);
const bitString = (b: Buffer) => der(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string) => der(0x0c, Buffer.from(s, "utf8"));
const explicit = (n: number, inner: Buffer) => der(0xa0 + n, inner);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

/** A non-negative INTEGER (a leading zero byte keeps a high first bit from meaning negative). */
function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return der(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      chunk.unshift((v & 0x7f) | (chunk.length ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime after, as RFC 5280 asks. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
}

function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  const [head, tail = ""] = ip.split("::");
  const parts = (s: string) => (s ? s.split(":") : []);
  const h = parts(head);
  const t = parts(tail);
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

const extension = (id: string, value: Buffer, critical = false) =>
  seq(oid(id), ...(critical ? [TRUE] : []), octets(value));

/** PEM certificate and PKCS#8 key, valid from an hour ago for `days`, naming `hosts` (the first is the CN). */
export function selfSignedCertificate(hosts: string[], days: number): { cert: string; key: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ecdsaSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const name = seq(
    set(seq(oid("2.5.4.3"), utf8(hosts[0]))),
    set(seq(oid("2.5.4.10"), utf8(DEV_CERT_ORGANIZATION))),
  );
  const now = Date.now();
  const altNames = hosts.map((h) =>
    net.isIP(h) ? der(0x87, ipBytes(h)) : der(0x82, Buffer.from(h, "ascii")),
  );
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(Buffer.concat([Buffer.from([0x01]), crypto.randomBytes(15)])),
    ecdsaSha256,
    name,
    seq(time(new Date(now - 3_600_000)), time(new Date(now + days * 86_400_000))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    explicit(
      3,
      seq(
        extension("2.5.29.19", seq(TRUE), true), // basicConstraints: CA
        extension("2.5.29.17", seq(...altNames)), // subjectAltName
        extension("2.5.29.37", seq(oid("1.3.6.1.5.5.7.3.1"))), // extendedKeyUsage: serverAuth
      ),
    ),
  );
  const signature = crypto.sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" });
  const certDer = seq(tbs, ecdsaSha256, bitString(signature));
  const b64 = certDer.toString("base64").replace(/.{1,64}/g, "$&\n");
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}
