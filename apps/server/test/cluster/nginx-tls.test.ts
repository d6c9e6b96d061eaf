/**
 * The project's nginx.conf with TLS on (issue 17, item 5), rendered for the 3 test nodes with a
 * self-signed certificate made by the launcher's own code: HTTPS over HTTP/2 with HSTS, TLS 1.2/1.3
 * only and AEAD ciphers only, plain HTTP redirected except /healthz, Socket.IO over wss:// (and
 * long-polling over HTTPS) delivering across nodes, and the Secure refresh cookie working over HTTPS.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { Ack, ClientAckData } from "@chat/protocol";
import { useCluster } from "./cluster-fixture.ts";
import { delivered } from "./devices.ts";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { h2Request, testCertificate, tlsHandshake } from "../support/tls.ts";

describe("cluster: nginx with TLS", () => {
  const c = useCluster();
  const { devices } = c;
  const cert = testCertificate();
  let nginx: NginxProcess;
  const sockets: Socket[] = [];
  before(async function () {
    this.timeout(60_000);
    nginx = await startNginx(
      c.nodes.map((n) => n.port),
      { tls: cert },
    );
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  after(() => nginx?.stop());

  it("answers HTTPS over HTTP/2 with one HSTS header (nginx's, not also the node's)", async () => {
    const res = await h2Request(`${nginx.httpsUrl}/healthz`, { ca: cert.ca });
    expect(res.alpn).to.equal("h2");
    expect(res.status).to.equal(200);
    expect(res.headers["strict-transport-security"]).to.equal("max-age=63072000; includeSubDomains");
    // The web app's page and the API, through HTTP/2 as well.
    const page = await h2Request(`${nginx.httpsUrl}/`, { ca: cert.ca });
    expect(page.status).to.equal(200);
    expect(page.headers["content-type"]).to.match(/text\/html/);
    const api = await h2Request(`${nginx.httpsUrl}/api/v1/me`, { ca: cert.ca });
    expect(api.status).to.equal(401);
    expect(api.headers["strict-transport-security"], "HSTS on errors too").to.be.a("string");
  });

  it("refuses TLS 1.0 and 1.1 and every non-AEAD cipher; 1.2 (AEAD) and 1.3 are accepted", async () => {
    const port = nginx.httpsPort!;
    for (const version of ["TLSv1", "TLSv1.1"] as const) {
      const r = await tlsHandshake(port, { ca: cert.ca, minVersion: version, maxVersion: version });
      expect(r.ok, version).to.equal(false);
      // The server's alert, not this client giving up.
      if (!r.ok) expect(r.error, version).to.match(/alert protocol version/i);
    }
    const cbc = await tlsHandshake(port, {
      ca: cert.ca,
      maxVersion: "TLSv1.2",
      ciphers: "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA",
    });
    expect(cbc.ok, "a CBC cipher suite").to.equal(false);
    if (!cbc.ok) expect(cbc.error).to.match(/alert handshake failure/i);
    const v12 = await tlsHandshake(port, { ca: cert.ca, minVersion: "TLSv1.2", maxVersion: "TLSv1.2" });
    expect(v12).to.include({ ok: true, version: "TLSv1.2" });
    expect((v12 as { cipher: string }).cipher).to.match(/GCM|CHACHA20/);
    const v13 = await tlsHandshake(port, { ca: cert.ca });
    expect(v13).to.include({ ok: true, version: "TLSv1.3" });
  });

  it("plain HTTP: /healthz answers (the probes), everything else is redirected to HTTPS without HSTS", async () => {
    const health = await fetch(`${nginx.url}/healthz`);
    expect(health.status).to.equal(200);
    expect(health.headers.get("strict-transport-security")).to.equal(null);
    for (const p of ["/", "/api/v1/me?x=1", "/socket.io/?EIO=4&transport=polling", "/api/v1/blobs/x"]) {
      const res = await fetch(`${nginx.url}${p}`, { redirect: "manual" });
      expect(res.status, p).to.equal(301);
      expect(res.headers.get("location"), p).to.equal(`https://127.0.0.1:${nginx.httpsPort}${p}`);
    }
  });

  it("Socket.IO over wss:// (and polling over HTTPS, then the upgrade) delivers across nodes", async () => {
    const u = await createUser(c.urls[0], "Tls");
    const v = await createUser(c.urls[1], "Peer");
    const chatId = await createGroup(c.urls[0], u, [v]);
    const connect = (opts: Parameters<typeof io>[1]) => {
      const s = io(nginx.httpsUrl!, { ca: cert.ca, forceNew: true, reconnection: false, ...opts });
      sockets.push(s);
      return new Promise<Socket>((resolve, reject) => {
        s.once("connect", () => resolve(s));
        s.once("connect_error", reject);
      });
    };
    const wss = await connect({ transports: ["websocket"], auth: { token: u.token } });
    expect(wss.io.engine.transport.name).to.equal("websocket");
    const upgraded = await connect({ auth: { token: v.token } });
    await eventually(() => expect(upgraded.io.engine.transport.name).to.equal("websocket"));
    // Devices straight on every node: messages sent through nginx reach them, and theirs come back.
    const direct = await Promise.all(c.urls.map((url) => devices.connect(url, v)));
    for (const d of direct) d.track(chatId, 0);
    const got = direct.map(delivered);
    const news: Array<{ id: number }> = [];
    wss.on("message:new", (m: { id: number }) => news.push(m));

    const sent = (await wss.emitWithAck("message:send", {
      chat_id: chatId,
      client_id: crypto.randomUUID(),
      text: "over wss",
    })) as Ack<ClientAckData["message:send"]>;
    if (!sent.ok) throw new Error(sent.error.message);
    const reply = (await direct[2].send(chatId, "from node 3")).message;
    await eventually(() => {
      for (const g of got) expect(g.map((m) => m.id)).to.deep.equal([sent.data.message.id, reply.id]);
      expect(news.map((m) => m.id)).to.deep.equal([sent.data.message.id, reply.id]);
    });
  });

  it("the Secure refresh cookie: set by a login over HTTPS, and used by a refresh over HTTPS", async () => {
    const u = await createUser(c.urls[0], "Cookie");
    const origin = nginx.httpsUrl!;
    const headers = { "x-refresh-cookie": "1", origin };
    const login = await h2Request(`${origin}/api/v1/token`, {
      ca: cert.ca,
      method: "POST",
      headers,
      body: JSON.stringify({ username: u.email, password: u.password }),
    });
    expect(login.status, login.body).to.equal(200);
    const line = ([] as string[])
      .concat(login.headers["set-cookie"] ?? [])
      .find((l) => l.startsWith("chat_refresh="));
    expect(line)
      .to.match(/; Secure/i)
      .and.to.match(/; HttpOnly/i)
      .and.to.match(/SameSite=Strict/i);
    const cookie = line!.split(";")[0];
    const refreshed = await h2Request(`${origin}/api/v1/auth/refresh`, {
      ca: cert.ca,
      method: "POST",
      headers: { ...headers, cookie },
      body: "{}",
    });
    expect(refreshed.status, refreshed.body).to.equal(200);
    expect(JSON.parse(refreshed.body)).to.have.property("access_token");
  });
});
