/**
 * TLS helpers for tests: a self-signed certificate per test process (the launcher's own
 * `ensureDevCertificate`, in a temporary folder), an HTTP/2 request that trusts it, and a bare TLS
 * handshake with chosen versions and ciphers.
 */
import fs from "node:fs";
import http2 from "node:http2";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { ensureDevCertificate, type TlsFiles } from "../../src/launcher/dev-cert.ts";

const made = new Map<string, TlsFiles & { ca: string }>();

/** A self-signed certificate for localhost/127.0.0.1 (`name` tells several apart); `ca` is its PEM. */
export function testCertificate(name = "tls"): TlsFiles & { ca: string } {
  let c = made.get(name);
  if (!c) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chat-tls-${name}-`));
    const files = ensureDevCertificate(dir);
    c = { ...files, ca: fs.readFileSync(files.certFile, "utf8") };
    made.set(name, c);
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return c;
}

export interface H2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  /** The protocol ALPN settled on ("h2"). */
  alpn: string | false | undefined;
}

/** One request over HTTP/2 (ALPN "h2" only), trusting `ca`; bounded by `timeoutMs`. */
export async function h2Request(
  url: string,
  opts: { ca: string; method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<H2Answer> {
  const u = new URL(url);
  const session = http2.connect(u.origin, { ca: opts.ca, ALPNProtocols: ["h2"] });
  try {
    return await new Promise<H2Answer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${url}: no answer`)), opts.timeoutMs ?? 5000);
      session.once("error", reject);
      const req = session.request({
        ":method": opts.method ?? "GET",
        ":path": u.pathname + u.search,
        ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
        ...opts.headers,
      });
      req.once("error", reject);
      let headers: http2.IncomingHttpHeaders = {};
      req.once("response", (h) => (headers = h));
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => (body += c));
      req.once("end", () => {
        clearTimeout(timer);
        resolve({ status: Number(headers[":status"]), headers, body, alpn: session.alpnProtocol });
      });
      req.end(opts.body);
    });
  } finally {
    session.close();
  }
}

/**
 * A TLS handshake only: the negotiated version and cipher, or the error the server answered.
 * `@SECLEVEL=0` lets this client offer what it is asked to (old versions, weak ciphers), so a
 * refusal comes from the server, not from the client's own OpenSSL defaults.
 */
export function tlsHandshake(
  port: number,
  opts: { ca: string; minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion; ciphers?: string },
): Promise<{ ok: true; version: string; cipher: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: opts.ca,
      minVersion: opts.minVersion ?? "TLSv1",
      maxVersion: opts.maxVersion ?? "TLSv1.3",
      ciphers: `${opts.ciphers ?? "DEFAULT"}:@SECLEVEL=0`,
    });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, error: "timeout" });
    }, 5000);
    s.once("secureConnect", () => {
      clearTimeout(timer);
      resolve({ ok: true, version: s.getProtocol() ?? "", cipher: s.getCipher().name });
      s.end();
    });
    s.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `${err.code ?? ""} ${err.message}` });
    });
  });
}
