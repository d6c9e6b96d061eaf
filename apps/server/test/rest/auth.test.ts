import crypto from "node:crypto";
import { expect } from "chai";
import jwt from "jsonwebtoken";
import request from "supertest";
import { useNode, TEST_SECRET } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";
import { def, pathWithIds, routeNames } from "./helpers/paths.ts";
import { badTokens, validToken } from "./helpers/tokens.ts";

const uniqueEmail = (p = "u") => `${p}-${crypto.randomUUID().slice(0, 8)}@example.test`;

describe("REST: register, token, and the bearer guard", () => {
  const node = useNode();
  let ann: TestUser;
  before(async () => {
    ann = await createUser(node.url, "Ann");
  });

  describe("POST /register", () => {
    it("answers 201 with {id, name, email, message}, the email trimmed and lower-cased", async () => {
      const email = uniqueEmail("Mixed");
      const res = await request(node.url)
        .post("/api/v1/register")
        .send({ name: "  Zoe  ", email: `  ${email.toUpperCase()} `, password: "password1" });
      const body = expectOk("register", res);
      expect(body).to.include({ name: "Zoe", email: email.toLowerCase() });
      expect(body.message).to.match(/registered/);
      expect(res.body).not.to.have.any.keys("password", "password_hash", "passwordHash");
    });

    it("refuses an email that exists in another case with 409 email_taken", async () => {
      const res = await request(node.url)
        .post("/api/v1/register")
        .send({ name: "Ann 2", email: ann.email.toUpperCase(), password: "password1" });
      expectError(res, 409, "email_taken");
    });

    const valid = () => ({ name: "Val", email: uniqueEmail(), password: "password1" });
    const cases: Array<[string, (b: Record<string, unknown>) => unknown, string]> = [
      ["missing name", ({ name: _, ...b }) => b, "name"],
      ["missing email", ({ email: _, ...b }) => b, "email"],
      ["missing password", ({ password: _, ...b }) => b, "password"],
      ["name of the wrong type", (b) => ({ ...b, name: 42 }), "name"],
      ["email of the wrong type", (b) => ({ ...b, email: ["a@b.c"] }), "email"],
      ["password of the wrong type", (b) => ({ ...b, password: 12345678 }), "password"],
      ["an empty name", (b) => ({ ...b, name: "   " }), "name"],
      ["a name over 100 characters", (b) => ({ ...b, name: "n".repeat(101) }), "name"],
      ["an invalid email", (b) => ({ ...b, email: "not-an-email" }), "email"],
      ["a password under 8 characters", (b) => ({ ...b, password: "short" }), "password"],
      ["a password over 72 bytes", (b) => ({ ...b, password: "пароль".repeat(7) }), "password"],
      ["an unknown field", (b) => ({ ...b, is_admin: true }), ""],
    ];
    for (const [what, change, field] of cases) {
      it(`answers 400 for ${what}`, async () => {
        const res = await request(node.url)
          .post("/api/v1/register")
          .send(change(valid()) as object);
        if (field) expectInvalid(res, field);
        else expectError(res, 400, "validation_failed");
      });
    }

    it("answers 400 invalid_json for malformed JSON", async () => {
      const res = await request(node.url)
        .post("/api/v1/register")
        .set("content-type", "application/json")
        .send('{"name": "x",');
      expectError(res, 400, "invalid_json");
    });
  });

  describe("POST /token", () => {
    it("logs in with the OAuth2 password form and answers {access_token, token_type, expires_in}", async () => {
      const res = await request(node.url)
        .post("/api/v1/token")
        .type("form")
        .send({ grant_type: "password", username: ann.email, password: ann.password });
      const body = expectOk("token", res);
      expect(body.token_type).to.equal("bearer");
      expect(body.expires_in).to.equal(15 * 60); // ACCESS_TOKEN_EXPIRE_MINUTES defaults to 15
      const claims = jwt.verify(body.access_token, TEST_SECRET, { algorithms: ["HS256"] }) as jwt.JwtPayload;
      expect(claims.sub).to.equal(String(ann.id));
      expect(claims.exp! - claims.iat!).to.equal(15 * 60);
      const me = await request(node.url)
        .get("/api/v1/me")
        .set("Authorization", `Bearer ${body.access_token}`);
      expect(expectOk("me", me).id).to.equal(ann.id);
    });

    it("logs in with JSON, by `username` or by `email`, whatever the email's case", async () => {
      for (const body of [
        { username: ann.email, password: ann.password },
        { email: ann.email.toUpperCase(), password: ann.password },
      ]) {
        expectOk("token", await request(node.url).post("/api/v1/token").send(body));
      }
    });

    it("answers the same 401 invalid_credentials for a wrong password and an unknown email", async () => {
      const wrong = await request(node.url)
        .post("/api/v1/token")
        .type("form")
        .send({ username: ann.email, password: "wrong password" });
      const unknown = await request(node.url)
        .post("/api/v1/token")
        .type("form")
        .send({ username: uniqueEmail("nobody"), password: "wrong password" });
      const a = expectError(wrong, 401, "invalid_credentials");
      const b = expectError(unknown, 401, "invalid_credentials");
      expect(a).to.deep.equal(b); // no user enumeration through the answer
    });

    it("answers 400 for a missing username or password, wrong types, a wrong grant_type or unknown fields", async () => {
      const api = request(node.url);
      expectInvalid(await api.post("/api/v1/token").type("form").send({ password: "x" }), "username");
      expectInvalid(await api.post("/api/v1/token").type("form").send({ username: ann.email }), "password");
      expectInvalid(await api.post("/api/v1/token").send({ username: ann.email, password: 123 }), "password");
      expectInvalid(await api.post("/api/v1/token").send({ username: ["a"], password: "x" }), "username");
      expectInvalid(
        await api
          .post("/api/v1/token")
          .type("form")
          .send({ grant_type: "client_credentials", username: "a", password: "b" }),
        "grant_type",
      );
      expectError(
        await api.post("/api/v1/token").send({ username: ann.email, password: ann.password, admin: true }),
        400,
        "validation_failed",
      );
      expectError(
        await api.post("/api/v1/token").set("content-type", "application/json").send("{username"),
        400,
        "invalid_json",
      );
    });
  });

  describe("the bearer guard on every protected route of the table", () => {
    // refresh: the refresh token in the body is the credential (an access token may have expired).
    const isPublic = new Set(["register", "token", "refresh", "healthz", "readyz"]);

    it("leaves exactly register, token, refresh and the health probes public", () => {
      expect(routeNames.filter((n) => !def(n).auth)).to.have.members([...isPublic]);
    });

    for (const name of routeNames.filter((n) => def(n).auth)) {
      const { method, path } = def(name);
      it(`${method.toUpperCase()} ${path}: 401 without a token or with any bad one`, async () => {
        const url = pathWithIds(name, 1);
        const call = () => request(node.url)[method](url);
        const tokens = badTokens(ann.id);
        const answers = await Promise.all([
          call(),
          call().set("Authorization", ""),
          call().set("Authorization", "Bearer"),
          call().set(
            "Authorization",
            `Basic ${Buffer.from(`${ann.email}:${ann.password}`).toString("base64")}`,
          ),
          call().set("Authorization", ann.token), // the token without its scheme
          request(node.url)[method](`${url}?access_token=${ann.token}`), // tokens only in the header
          ...Object.values(tokens).map((t) => call().set("Authorization", `Bearer ${t}`)),
        ]);
        const labels = [
          "none",
          "empty",
          "scheme only",
          "basic",
          "no scheme",
          "query",
          ...Object.keys(tokens),
        ];
        answers.forEach((res, i) => {
          const code = labels[i] === "expired" ? "token_expired" : "unauthorized";
          expect(res.status, `${labels[i]}: ${res.text}`).to.equal(401);
          expectError(res, 401, code);
        });
      });
    }

    it("accepts a token the node did not issue itself when it is signed right (stateless HS256)", async () => {
      const res = await request(node.url)
        .get("/api/v1/me")
        .set("Authorization", `Bearer ${validToken(ann.id)}`);
      expect(expectOk("me", res)).to.deep.equal({ id: ann.id, name: ann.name, email: ann.email });
    });
  });
});
