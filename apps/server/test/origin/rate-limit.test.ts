/**
 * A rate limit on the origin's surface answers as FastAPI apps do: 429 `{"detail": "…"}` with
 * Retry-After (the limits themselves are the main API's: the same counters, per address).
 */
import { expect } from "chai";
import request from "supertest";
import { useNode } from "../support/node.ts";
import { uniqueEmail } from "../support/users.ts";

describe("origin surface: rate limits", () => {
  const node = useNode({ RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "2", TRUST_PROXY_HOPS: "1" });

  it("registrations past the per-address budget get 429 {detail} with Retry-After", async () => {
    const register = () =>
      request(node.url)
        .post("/register")
        .set("X-Forwarded-For", "203.0.113.77")
        .send({ name: "n", email: uniqueEmail("n"), password: "password1" });
    expect((await register()).status).to.equal(200);
    expect((await register()).status).to.equal(200);
    const third = await register();
    expect(third.status).to.equal(429);
    expect(third.body).to.have.keys("detail");
    expect(third.body.detail).to.be.a("string");
    expect(Number(third.headers["retry-after"])).to.be.greaterThan(0);
  });
});
