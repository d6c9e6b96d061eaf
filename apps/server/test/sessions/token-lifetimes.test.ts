/**
 * How long access tokens live (issue 15): `/api/v1`'s login and refresh give
 * ACCESS_TOKEN_EXPIRE_MINUTES (15 by default: clients renew them with their refresh token); the
 * origin's `POST /token`, whose clients get no refresh token, keeps the origin's 30 minutes
 * (ORIGIN_ACCESS_TOKEN_EXPIRE_MINUTES). Each variable moves its own surface only.
 */
import { expect } from "chai";
import jwt from "jsonwebtoken";
import request from "supertest";
import { TEST_SECRET, useNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";

const lifetime = (token: string) => {
  const c = jwt.verify(token, TEST_SECRET, { algorithms: ["HS256"] }) as jwt.JwtPayload;
  return c.exp! - c.iat!;
};

async function lifetimes(url: string, u: TestUser) {
  const api = await request(url)
    .post("/api/v1/token")
    .send({ username: u.email, password: u.password })
    .expect(200);
  const refreshed = await request(url)
    .post("/api/v1/auth/refresh")
    .send({ refresh_token: api.body.refresh_token })
    .expect(200);
  const origin = await request(url)
    .post("/token")
    .type("form")
    .send({ username: u.email, password: u.password })
    .expect(200);
  return {
    api: [api.body.expires_in, lifetime(api.body.access_token)],
    refreshed: [refreshed.body.expires_in, lifetime(refreshed.body.access_token)],
    origin: [origin.body.expires_in, lifetime(origin.body.access_token)],
  };
}

describe("sessions: access token lifetimes", () => {
  describe("by default", () => {
    const node = useNode();
    it("/api/v1 tokens live 15 minutes, the origin's POST /token 30", async () => {
      const u = await createUser(node.url, "Default");
      expect(await lifetimes(node.url, u)).to.deep.equal({
        api: [900, 900],
        refreshed: [900, 900],
        origin: [1800, 1800],
      });
    });
  });

  describe("configured", () => {
    const node = useNode({ ACCESS_TOKEN_EXPIRE_MINUTES: "5", ORIGIN_ACCESS_TOKEN_EXPIRE_MINUTES: "60" });
    it("each variable sets its own surface", async () => {
      const u = await createUser(node.url, "Configured");
      expect(await lifetimes(node.url, u)).to.deep.equal({
        api: [300, 300],
        refreshed: [300, 300],
        origin: [3600, 3600],
      });
    });
  });
});
