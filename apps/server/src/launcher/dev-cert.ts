/**
 * A self-signed development certificate, made on demand with `openssl`, or with Node's crypto alone where openssl is missing (self-signed-x509.ts):
 * `pnpm cluster` serves HTTPS with it, `pnpm dev-cert` writes it for docker compose, and the TLS tests
 * use it as server certificate and, being self-signed, as the CA their clients trust. Never for
 * production: browsers warn about it, and anyone with the key file can impersonate the host.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { DEV_CERT_ORGANIZATION as ORGANIZATION, selfSignedCertificate } from "./self-signed-x509.ts";

export interface TlsFiles {
  /** PEM certificate (also the CA file clients trust, since it signs itself). */
  certFile: string;
  /** PEM private key, mode 0600. */
  keyFile: string;
}

export interface DevCertOptions {
  /** Names and addresses the certificate is valid for. @default ["localhost", "127.0.0.1", "::1"] */
  hosts?: string[];
  /** @default 825 (the longest validity Apple's clients accept) */
  days?: number;
  /** File names in the folder: `<name>.crt` and `<name>.key`. @default "tls" */
  name?: string;
  /** Who makes it: `openssl`, or Node's crypto. @default openssl, Node's crypto if openssl is not installed */
  maker?: "openssl" | "node";
}

const DEFAULT_HOSTS = ["localhost", "127.0.0.1", "::1"];

/**
 * The certificate in `dir`, made if missing, expiring within a day, or not covering `hosts`.
 * `created` says whether it was made now.
 */
export function ensureDevCertificate(
  dir: string,
  opts: DevCertOptions = {},
): TlsFiles & { created: boolean; maker?: "openssl" | "node" } {
  const hosts = opts.hosts ?? DEFAULT_HOSTS;
  const name = opts.name ?? "tls";
  const days = opts.days ?? 825;
  const files = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  if (usable(files, hosts)) return { ...files, created: false };
  refuseForeign(files.certFile);
  fs.mkdirSync(dir, { recursive: true });
  const maker = opts.maker ?? (hasOpenssl() ? "openssl" : "node");
  if (maker === "node") {
    const { cert, key } = selfSignedCertificate(hosts, days);
    fs.writeFileSync(files.keyFile, key, { mode: 0o600 });
    fs.writeFileSync(files.certFile, cert);
  } else {
    withOpenssl(files, hosts, days);
  }
  fs.chmodSync(files.keyFile, 0o600);
  return { ...files, created: true, maker };
}

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function withOpenssl(files: TlsFiles, hosts: string[], days: number): void {
  const san = hosts.map((h) => (isIp(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-sha256",
        "-days",
        String(days),
        "-subj",
        `/CN=${hosts[0]}/O=${ORGANIZATION}`,
        "-addext",
        `subjectAltName=${san}`,
        "-addext",
        "extendedKeyUsage=serverAuth",
        "-keyout",
        files.keyFile,
        "-out",
        files.certFile,
      ],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === "ENOENT") {
      throw new Error("openssl is not installed (leave `maker` unset to use Node's crypto instead)");
    }
    throw new Error(`openssl could not make the development certificate: ${e.stderr?.toString().trim()}`);
  }
}

/** A certificate there that this code did not make (a real one, say) is never replaced. */
function refuseForeign(certFile: string): void {
  if (!fs.existsSync(certFile)) return;
  let subject = "";
  try {
    subject = new crypto.X509Certificate(fs.readFileSync(certFile)).subject;
  } catch {
    // unreadable or not a certificate: not ours either
  }
  if (!subject.split("\n").includes(`O=${ORGANIZATION}`)) {
    throw new Error(`${certFile} is not a development certificate made here: not replacing it`);
  }
}

function usable(files: TlsFiles, hosts: string[]): boolean {
  if (!fs.existsSync(files.certFile) || !fs.existsSync(files.keyFile)) return false;
  try {
    const cert = new crypto.X509Certificate(fs.readFileSync(files.certFile));
    if (Date.parse(cert.validTo) < Date.now() + 86_400_000) return false;
    return hosts.every((h) => (isIp(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined);
  } catch {
    return false;
  }
}

const isIp = (h: string) => /^[0-9.]+$/.test(h) || h.includes(":");
