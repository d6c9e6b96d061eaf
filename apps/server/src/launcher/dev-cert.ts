/**
 * A self-signed development certificate, made on demand with `openssl` (a system dependency, see
 * scripts/system-deps.sh): `pnpm cluster` serves HTTPS with it, `pnpm dev-cert` writes it for
 * docker compose, and the TLS tests use it as server certificate and, being self-signed, as the CA
 * their clients trust. Never for production: browsers warn about it, and anyone with the key file
 * can impersonate the host.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

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
}

const DEFAULT_HOSTS = ["localhost", "127.0.0.1", "::1"];

/**
 * The certificate in `dir`, made if missing, expiring within a day, or not covering `hosts`.
 * `created` says whether it was made now.
 */
export function ensureDevCertificate(
  dir: string,
  opts: DevCertOptions = {},
): TlsFiles & { created: boolean } {
  const hosts = opts.hosts ?? DEFAULT_HOSTS;
  const name = opts.name ?? "tls";
  const files = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
  if (usable(files, hosts)) return { ...files, created: false };
  fs.mkdirSync(dir, { recursive: true });
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
        String(opts.days ?? 825),
        "-subj",
        `/CN=${hosts[0]}/O=chat-cluster development`,
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
      throw new Error(
        "openssl is not installed: `pnpm run system-deps` installs it (Debian package openssl)",
      );
    }
    throw new Error(`openssl could not make the development certificate: ${e.stderr?.toString().trim()}`);
  }
  fs.chmodSync(files.keyFile, 0o600);
  return { ...files, created: true };
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
