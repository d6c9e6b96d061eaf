/**
 * Issue 12, item 12(d): REST and sockets accept the same tokens, because both ask
 * TokenService.verify. Tokens forged with the real secret but without `exp`, or with a `sub`
 * that is not a user id (past INTEGER, non-numeric, negative, zero, padded), are a 401 on REST
 * (never a 500) and a connect_error on sockets.
 */
import jwt from "jsonwebtoken";
import { expect } from "chai";
import request from "supertest";
import { startTestNode, TEST_SECRET, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { handshake } from "./support/sockets.ts";

describe("token claims: one check for REST and sockets", function () {
  this.timeout(30_000);
  let node: TestNode;
  let alice: TestUser;

  before(async () => {
    node = await startTestNode();
    alice = await createUser(node.url, "alice");
  });
  after(async () => {
    await node?.close();
  });

  const forge = (claims: Record<string, unknown>) => jwt.sign(claims, TEST_SECRET, { algorithm: "HS256" });
  const exp = () => Math.floor(Date.now() / 1000) + 600;

  const cases: Array<[string, () => Record<string, unknown>]> = [
    ["no exp", () => ({ sub: String(alice.id) })],
    ["sub past INTEGER", () => ({ sub: "99999999999", exp: exp() })],
    ["sub 2^31", () => ({ sub: "2147483648", exp: exp() })],
    ["sub non-numeric", () => ({ sub: "alice", exp: exp() })],
    ["sub negative", () => ({ sub: "-1", exp: exp() })],
    ["sub zero", () => ({ sub: "0", exp: exp() })],
    ["sub padded", () => ({ sub: ` ${alice.id}`, exp: exp() })],
    ["sub hex", () => ({ sub: "0x1", exp: exp() })],
    ["sub a number, not a string", () => ({ sub: alice.id, exp: exp() })],
  ];

  for (const [name, claims] of cases) {
    it(`${name}: 401 on REST (/me, /chats), connect_error on a socket`, async () => {
      const token = forge(claims());
      for (const path of ["/api/v1/me", "/api/v1/chats"]) {
        const res = await request(node.url).get(path).set("Authorization", `Bearer ${token}`);
        expect(res.status, `${path}: ${res.text}`).to.equal(401);
        expect(res.body.error.code).to.equal("unauthorized");
      }
      expect(await handshake(node.url, token)).to.equal("unauthorized");
    });
  }

  it("a well-formed forged token (sub, exp) passes both: the cases above fail on their claims only", async () => {
    const token = forge({ sub: String(alice.id), exp: exp() });
    expect(
      (await request(node.url).get("/api/v1/me").set("Authorization", `Bearer ${token}`)).status,
    ).to.equal(200);
    expect(await handshake(node.url, token)).to.equal("connected");
  });

  it("an expired token is token_expired on both", async () => {
    const token = forge({ sub: String(alice.id), exp: Math.floor(Date.now() / 1000) - 10 });
    const res = await request(node.url).get("/api/v1/me").set("Authorization", `Bearer ${token}`);
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal("token_expired");
    expect(await handshake(node.url, token)).to.equal("token_expired");
  });
});
