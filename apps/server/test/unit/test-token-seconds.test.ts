/** TEST_ACCESS_TOKEN_SECONDS is for tests only: a node outside NODE_ENV=test refuses to start with it. */
import { expect } from "chai";
import { accessTokenSeconds, parseEnv } from "../../src/config/env.ts";

describe("config: TEST_ACCESS_TOKEN_SECONDS", () => {
  it("overrides ACCESS_TOKEN_EXPIRE_MINUTES in tests", () => {
    const c = parseEnv({ NODE_ENV: "test", TEST_ACCESS_TOKEN_SECONDS: "20" }, "/");
    expect(accessTokenSeconds(c)).to.equal(20);
    expect(accessTokenSeconds(parseEnv({ ACCESS_TOKEN_EXPIRE_MINUTES: "7" }, "/"))).to.equal(420);
  });

  it("is refused in development and production", () => {
    for (const NODE_ENV of ["development", "production"]) {
      expect(() => parseEnv({ NODE_ENV, TEST_ACCESS_TOKEN_SECONDS: "20" }, "/")).to.throw(
        /TEST_ACCESS_TOKEN_SECONDS: only with NODE_ENV=test/,
      );
    }
    expect(() => parseEnv({ NODE_ENV: "test", TEST_ACCESS_TOKEN_SECONDS: "1" }, "/")).to.throw(/Invalid/);
  });
});
