/**
 * The web app in Chromium through nginx with TLS (issue 17, item 5), under a real host name
 * (`chat.test`, mapped to 127.0.0.1): Chromium treats localhost and 127.0.0.1 as secure even over
 * HTTP, so only another name shows what TLS changes. Over HTTPS (HTTP/2, the certificate trusted by its
 * key) the Secure refresh cookie is kept and a reload stays logged in, and the chat's socket is a
 * wss:// one; the same nodes behind a plain-HTTP nginx lose the cookie, and a reload asks for a login.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { ensureDevCertificate } from "../../src/launcher/dev-cert.ts";
import { launchChromium, type Browser } from "../../../web/test/browser.ts";
import { startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage } from "./web-pages.ts";

const HOST = "chat.test";

/** Chromium's `--ignore-certificate-errors-spki-list` value: base64 SHA-256 of the public key. */
function spkiHash(certFile: string): string {
  const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return crypto.createHash("sha256").update(spki).digest("base64");
}

describe("web app in Chromium over HTTPS: the Secure refresh cookie and wss://", function () {
  this.timeout(60_000);
  let w: WebWorld;
  let tlsNginx: NginxProcess;
  let browser: Browser;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-web-tls-"));
  const cert = ensureDevCertificate(dir, { hosts: [HOST] });
  const tag = crypto.randomUUID().slice(0, 6);
  const pages: ChatPage[] = [];
  const open = async (url: string) => {
    const p = await ChatPage.open(browser, url);
    pages.push(p);
    return p;
  };
  const loginShown = (p: ChatPage) => p.page.getByRole("heading", { name: "Log in" }).count();

  before(async function () {
    this.timeout(60_000);
    w = await startWebWorld();
    tlsNginx = await startNginx(
      w.nodes.map((n) => n.port),
      { tls: cert },
    );
    browser = await launchChromium([
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${spkiHash(cert.certFile)}`,
    ]);
  });
  after(async function () {
    this.timeout(30_000);
    await browser?.close().catch(() => undefined);
    await tlsNginx?.stop();
    await w?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const p of pages.splice(0)) expect(p.errors, "errors thrown in a page").to.deep.equal([]);
  });

  it("over https://chat.test: HTTP/2, HSTS, a Secure cookie kept across a reload, and the socket on wss://", async () => {
    const base = `https://${HOST}:${tlsNginx.httpsPort}`;
    const p = await open(base);
    const sockets: string[] = [];
    p.page.on("websocket", (ws) => sockets.push(ws.url()));
    const first = await p.page.reload();
    expect(await first!.headerValue("strict-transport-security")).to.equal(
      "max-age=63072000; includeSubDomains",
    );
    expect(
      await p.page.evaluate(
        () => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).nextHopProtocol,
      ),
    ).to.equal("h2");
    await p.register("Tess", `tess-${tag}@example.test`);
    const cookie = (await p.context.cookies()).find((c) => c.name === "chat_refresh");
    expect(cookie, "the refresh cookie").to.include({ secure: true, httpOnly: true, sameSite: "Strict" });
    await p.page.evaluate(() => sessionStorage.clear());
    await p.page.reload();
    await p.page.getByRole("heading", { name: "Chats" }).waitFor();
    expect(await loginShown(p)).to.equal(0);
    expect(
      sockets.some((u) => u.startsWith(`wss://${HOST}:${tlsNginx.httpsPort}/socket.io/`)),
      sockets.join(),
    ).to.equal(true);
  });

  it("the same nodes over plain http://chat.test: Chromium drops the Secure cookie, so a reload asks for a login", async () => {
    const p = await open(`http://${HOST}:${w.nginx.port}`);
    await p.register("Plain", `plain-${tag}@example.test`);
    const cookie = (await p.context.cookies()).find((c) => c.name === "chat_refresh");
    expect(cookie, "a Secure cookie over plain HTTP").to.equal(undefined);
    await p.page.evaluate(() => sessionStorage.clear());
    await p.page.reload();
    await p.page.getByRole("heading", { name: "Log in" }).waitFor();
  });
});
