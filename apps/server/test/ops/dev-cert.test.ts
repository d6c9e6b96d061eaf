/**
 * The self-signed development certificate (`pnpm dev-cert`, `pnpm cluster`): made by openssl, or by
 * Node's crypto alone where openssl is missing, kept while still good, remade for other names; either
 * kind is served by a Node TLS server and by the project's nginx and verifies for the names it carries.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ensureDevCertificate } from "../../src/launcher/dev-cert.ts";
import { startNginx } from "../../src/launcher/nginx-process.ts";
import { h2Request } from "../support/tls.ts";

/** GET https://<host>:<port>/ trusting `ca`: the body, or the error's code. */
function get(host: string, port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const req = https.get({ host, port, path: "/", ca, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe("the self-signed development certificate", function () {
  this.timeout(30_000);
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "chat-dev-cert-"));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  for (const maker of ["openssl", "node"] as const) {
    it(`made by ${maker}: a 0600 key, kept while good, remade for other names, verified for localhost and 127.0.0.1`, async () => {
      const dir = tmp();
      const made = ensureDevCertificate(dir, { maker });
      expect(made).to.include({ created: true, maker });
      expect(fs.statSync(made.keyFile).mode & 0o777).to.equal(0o600);
      const pem = fs.readFileSync(made.certFile, "utf8");
      expect(ensureDevCertificate(dir, { maker }).created, "kept").to.equal(false);
      expect(fs.readFileSync(made.certFile, "utf8")).to.equal(pem);
      const other = tmp();
      const stranger = ensureDevCertificate(other, { maker });

      const server = https.createServer({ cert: pem, key: fs.readFileSync(made.keyFile) }, (_req, res) =>
        res.end("hello over tls"),
      );
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const { port } = server.address() as AddressInfo;
        expect(await get("localhost", port, pem)).to.equal("hello over tls");
        expect(await get("127.0.0.1", port, pem)).to.equal("hello over tls");
        const refused = await get("127.0.0.1", port, fs.readFileSync(stranger.certFile, "utf8"));
        expect(refused).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY/);
      } finally {
        server.close();
      }
      // Another name: remade, and the new one carries it.
      const renamed = ensureDevCertificate(dir, { maker, hosts: ["chat.test", "127.0.0.1"] });
      expect(renamed.created).to.equal(true);
      const x509 = new crypto.X509Certificate(fs.readFileSync(renamed.certFile));
      expect(x509.checkHost("chat.test")).to.equal("chat.test");
      expect(x509.ca).to.equal(true);
    });

    it(`made by ${maker}: the project's nginx serves HTTPS (HTTP/2) with it`, async () => {
      const cert = ensureDevCertificate(tmp(), { maker });
      const upstream = http.createServer((_req, res) => res.end("ok"));
      await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
      const nginx = await startNginx([(upstream.address() as AddressInfo).port], { tls: cert });
      try {
        const res = await h2Request(`${nginx.httpsUrl}/healthz`, {
          ca: fs.readFileSync(cert.certFile, "utf8"),
        });
        expect(res).to.include({ status: 200, body: "ok", alpn: "h2" });
      } finally {
        await nginx.stop();
        upstream.close();
      }
    });
  }

  it("never replaces a certificate it did not make (e.g. a real one in TLS_CERT_DIR)", () => {
    const dir = tmp();
    const foreign = ensureDevCertificate(tmp(), { maker: "openssl" });
    // Re-sign the same key under another organisation: "someone else's" certificate for other names.
    const real = path.join(dir, "tls.crt");
    execFileSync("openssl", [
      ...[
        "req",
        "-x509",
        "-key",
        foreign.keyFile,
        "-subj",
        "/CN=chat.example.com/O=Example Inc",
        "-days",
        "30",
      ],
      ...["-out", real],
    ]);
    fs.copyFileSync(foreign.keyFile, path.join(dir, "tls.key"));
    const before = fs.readFileSync(real, "utf8");
    expect(() => ensureDevCertificate(dir)).to.throw(
      /is not a development certificate made here: not replacing it/,
    );
    expect(fs.readFileSync(real, "utf8")).to.equal(before);
  });

  it("without openssl on the PATH, Node's crypto makes it", () => {
    const path0 = process.env.PATH;
    process.env.PATH = tmp(); // an empty folder: no openssl
    try {
      expect(ensureDevCertificate(tmp())).to.include({ created: true, maker: "node" });
    } finally {
      process.env.PATH = path0;
    }
  });
});
