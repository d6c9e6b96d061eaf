/**
 * Hardening: security headers (helmet), the CORS and Socket.IO origin allow-lists (cross-site
 * WebSocket hijacking), bcrypt cost, constant-time login failure, token claims, and logs that
 * never hold a password, a token or a message text. The "hardened" node runs with the defaults
 * a deployment gets (no BCRYPT_COST), a CORS allow-list, and a logger at info level into memory.
 */
import { expect } from "chai";
import request from "supertest";
import { pino } from "pino";
import { startTestNode, type TestNode } from "../support/node.ts";
import { DbProbe } from "./support/db-state.ts";
import { createGroup, createUser, uniqueEmail, type TestUser } from "../support/users.ts";
import { connect, handshake } from "./support/sockets.ts";
import { decodeToken } from "./support/tokens.ts";

const ALLOWED = "https://app.example.test";
const EVIL = "https://evil.example.test";

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

describe("hardening", function () {
  this.timeout(60_000);
  let plain: TestNode;
  let hardened: TestNode;
  const logs: string[] = [];

  before(async () => {
    plain = await startTestNode();
    const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(line) });
    hardened = await startTestNode({ BCRYPT_COST: "", CORS_ORIGINS: ALLOWED }, logger);
  });

  after(async () => {
    await plain?.close();
    await hardened?.close();
  });

  describe("HTTP headers (helmet)", () => {
    for (const [what, path] of [
      ["a success", "/healthz"],
      ["a 401", "/api/v1/me"],
      ["a 404", "/no/such/route"],
    ] as const) {
      it(`on ${what} (${path})`, async () => {
        const res = await request(plain.url).get(path);
        expect(res.headers["content-security-policy"]).to.include("default-src 'self'");
        expect(res.headers["content-security-policy"]).to.include("frame-ancestors 'self'");
        expect(res.headers["strict-transport-security"]).to.match(/max-age=\d+/);
        expect(res.headers["x-content-type-options"]).to.equal("nosniff");
        expect(res.headers["x-frame-options"]).to.equal("SAMEORIGIN");
        expect(res.headers["referrer-policy"]).to.equal("no-referrer");
        expect(res.headers["cross-origin-opener-policy"]).to.equal("same-origin");
        expect(res.headers["cross-origin-resource-policy"]).to.equal("same-origin");
        expect(res.headers).not.to.have.property("x-powered-by");
      });
    }
  });

  describe("CORS", () => {
    it("by default (same origin only) a foreign Origin gets no Access-Control-Allow-Origin", async () => {
      const get = await request(plain.url).get("/healthz").set("Origin", EVIL);
      expect(get.headers).not.to.have.property("access-control-allow-origin");
      const pre = await request(plain.url)
        .options("/api/v1/chats")
        .set("Origin", EVIL)
        .set("Access-Control-Request-Method", "POST")
        .set("Access-Control-Request-Headers", "authorization,content-type");
      expect(pre.headers).not.to.have.property("access-control-allow-origin");
    });

    it("with CORS_ORIGINS the listed origin is allowed (simple and preflight), others are not", async () => {
      const ok = await request(hardened.url).get("/healthz").set("Origin", ALLOWED);
      expect(ok.headers["access-control-allow-origin"]).to.equal(ALLOWED);
      const pre = await request(hardened.url)
        .options("/api/v1/chats")
        .set("Origin", ALLOWED)
        .set("Access-Control-Request-Method", "POST")
        .set("Access-Control-Request-Headers", "authorization,content-type");
      expect(pre.headers["access-control-allow-origin"]).to.equal(ALLOWED);
      expect(pre.headers["access-control-allow-headers"]).to.match(/authorization/i);
      for (const res of [
        await request(hardened.url).get("/healthz").set("Origin", EVIL),
        await request(hardened.url)
          .options("/api/v1/chats")
          .set("Origin", EVIL)
          .set("Access-Control-Request-Method", "POST"),
      ]) {
        expect(res.headers).not.to.have.property("access-control-allow-origin");
      }
    });
  });

  describe("cross-site WebSocket hijacking", () => {
    let user: TestUser;
    before(async () => {
      user = await createUser(plain.url, "Ws");
    });

    it("a handshake from a foreign Origin is refused (websocket and polling); same origin works", async () => {
      const own = new URL(plain.url).origin;
      expect(await handshake(plain.url, user.token, { headers: { Origin: EVIL } })).to.equal("refused");
      expect(
        await handshake(plain.url, user.token, { headers: { Origin: EVIL }, transports: ["polling"] }),
      ).to.equal("refused");
      expect(await handshake(plain.url, user.token, { headers: { Origin: own } })).to.equal("connected");
      expect(
        await handshake(plain.url, user.token, { headers: { Origin: own }, transports: ["polling"] }),
      ).to.equal("connected");
      // A valid token does not help a foreign page: the refusal comes before authentication.
      expect(await handshake(plain.url, user.token, { headers: { Origin: "null" } })).to.equal("refused");
    });

    it("with CORS_ORIGINS: the listed origin and the node's own connect, a foreign one does not", async () => {
      const u = await createUser(hardened.url, "WsCors");
      const own = new URL(hardened.url).origin;
      expect(await handshake(hardened.url, u.token, { headers: { Origin: ALLOWED } })).to.equal("connected");
      expect(await handshake(hardened.url, u.token, { headers: { Origin: own } })).to.equal("connected");
      expect(await handshake(hardened.url, u.token, { headers: { Origin: EVIL } })).to.equal("refused");
    });
  });

  describe("passwords and tokens", () => {
    let ann: TestUser;
    before(async () => {
      ann = await createUser(hardened.url, "Ann");
    });

    it("bcrypt cost is at least 10 when BCRYPT_COST is not set", async () => {
      const db = new DbProbe(hardened.databaseUrl);
      try {
        const { rows } = await db.query<{ password_hash: string }>(
          "SELECT password_hash FROM users WHERE id = $1",
          [ann.id],
        );
        const m = /^\$2[aby]\$(\d{2})\$/.exec(rows[0].password_hash);
        expect(m, rows[0].password_hash.slice(0, 7)).not.to.equal(null);
        expect(Number(m![1])).to.be.at.least(10);
      } finally {
        await db.close();
      }
    });

    it("a failed login takes as long for an unknown email as for a wrong password (both run bcrypt)", async () => {
      const attempt = async (email: string) => {
        const t = performance.now();
        await request(hardened.url)
          .post("/api/v1/token")
          .type("form")
          .send({ username: email, password: "not-the-password" })
          .expect(401);
        return performance.now() - t;
      };
      await attempt(ann.email); // warm-up: the unknown-email path hashes its dummy once
      await attempt(uniqueEmail("nobody"));
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 7; i++) {
        known.push(await attempt(ann.email));
        unknown.push(await attempt(uniqueEmail("nobody")));
      }
      const [k, u] = [median(known), median(unknown)];
      const ratio = Math.max(k, u) / Math.min(k, u);
      console.log(
        `      login failure, median of 7: known email ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`,
      );
      // Loose: a machine shared with other work is noisy, but a skipped bcrypt is ~100× faster.
      expect(ratio, `known ${k.toFixed(1)} ms vs unknown ${u.toFixed(1)} ms`).to.be.below(2.5);
    });

    it("tokens are HS256 and carry sub, iat, exp and a unique jti", async () => {
      const again = await request(hardened.url)
        .post("/api/v1/token")
        .send({ email: ann.email, password: ann.password })
        .expect(200);
      const first = decodeToken(ann.token);
      const second = decodeToken(again.body.access_token);
      expect(first.header).to.include({ alg: "HS256", typ: "JWT" });
      expect(first.claims.sub).to.equal(String(ann.id));
      expect(first.claims.iat).to.be.a("number");
      expect(first.claims.exp).to.equal((first.claims.iat as number) + 15 * 60);
      expect(first.claims.jti).to.match(/^[0-9a-f-]{36}$/);
      expect(second.claims.jti).not.to.equal(first.claims.jti);
    });
  });

  describe("logs", () => {
    it("a full REST + socket session logs no password, no token and no message text (level info)", async () => {
      const secrets: string[] = [];
      const mark = (s: string) => (secrets.push(s), s);
      const from = logs.length;
      const url = hardened.url;
      const pw = () => mark(`pw-${crypto.randomUUID()}`);
      const people: TestUser[] = [];
      for (const name of ["Logan", "Lois"]) {
        const email = uniqueEmail(name);
        const password = pw();
        const reg = await request(url).post("/api/v1/register").send({ name, email, password }).expect(201);
        const tok =
          name === "Logan"
            ? await request(url)
                .post("/api/v1/token")
                .type("form")
                .send({ username: email, password })
                .expect(200)
            : await request(url).post("/api/v1/token").send({ email, password }).expect(200);
        const token = mark(tok.body.access_token);
        people.push({
          id: reg.body.id,
          name,
          email,
          password,
          token,
          auth: { Authorization: `Bearer ${token}` },
        });
      }
      const [logan, lois] = people;
      await request(url)
        .post("/api/v1/token")
        .type("form")
        .send({ username: logan.email, password: pw() })
        .expect(401);
      await request(url)
        .post("/api/v1/register")
        .send({ name: "Dup", email: logan.email, password: pw() })
        .expect(409);
      await request(url)
        .post("/api/v1/register")
        .send({ name: "Short", email: uniqueEmail("s"), password: mark("short") })
        .expect(400);
      await request(url).get("/api/v1/me").set(logan.auth).expect(200);
      await request(url).get("/api/v1/me").set("Authorization", `Bearer ${logan.token}x`).expect(401);
      const chatId = await createGroup(url, logan, [lois], "logged");
      const text = () => mark(`secret-text-${crypto.randomUUID()}`);
      const sent = await request(url)
        .post(`/api/v1/chats/${chatId}/messages`)
        .set(logan.auth)
        .send({ client_id: crypto.randomUUID(), text: text() })
        .expect(201);
      await request(url)
        .post(`/api/v1/chats/${chatId}/messages`)
        .set(logan.auth)
        .send({ client_id: crypto.randomUUID(), text: text(), extra: text() })
        .expect(400);
      await request(url)
        .patch(`/api/v1/chats/${chatId}/messages/${sent.body.message.id}`)
        .set(lois.auth)
        .send({ text: text() })
        .expect(403);
      const sLogan = await connect(url, logan.token);
      const sLois = await connect(url, lois.token);
      try {
        const out = await sLogan.send(chatId, text());
        await sLogan.request("message:edit", { chat_id: chatId, message_id: out.message.id, text: text() });
        await sLogan.request("typing", { chat_id: chatId, is_typing: true });
        await sLois.read(chatId, out.message.seq);
        await sLois.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] });
        await sLogan.request("message:delete", { chat_id: chatId, message_id: out.message.id });
        await sLois
          .request("message:send", { chat_id: chatId, client_id: "not-a-uuid", text: text() })
          .catch(() => undefined);
        await request(url).get(`/history/${chatId}`).set(lois.auth).expect(200);
        await request(url).get(`/api/v1/chats/${chatId}/messages?after_seq=0`).set(lois.auth).expect(200);
      } finally {
        sLogan.close();
        sLois.close();
      }
      const session = logs.slice(from).join("");
      // The session was logged at all (4xx answers are info lines), so the checks below mean something.
      expect(session).to.include('"url":"/api/v1/token"');
      expect(session).to.include('"statusCode":401');
      expect(secrets.length).to.be.at.least(12);
      for (const s of secrets)
        expect(session.includes(s), `a secret is in the logs: ${s.slice(0, 24)}…`).to.equal(false);
      expect(logs.join("")).not.to.match(/eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*/);
    });
  });
});
