import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { envSpec } from "../../src/config/env.ts";
import { ROOT_DIR } from "../support/node.ts";
import { composeVars, renderEnvExample } from "../../scripts/env-example.ts";

describe(".env.example", () => {
  const text = fs.readFileSync(path.join(ROOT_DIR, ".env.example"), "utf8");
  const assigned = [...text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

  it("documents every variable the node reads (envSpec) and every compose variable, once each", () => {
    const want = [...Object.keys(composeVars), ...Object.keys(envSpec)];
    expect([...assigned].sort()).to.deep.equal([...want].sort());
  });

  it("is current with config/env.ts and docker-compose.yml (pnpm --filter @chat/server run env-example)", () => {
    expect(text).to.equal(renderEnvExample());
  });

  it("leaves the secrets compose requires empty, so nobody runs with an example value", () => {
    for (const key of ["POSTGRES_PASSWORD", "JWT_SECRET", "METRICS_TOKEN"]) {
      expect(text).to.match(new RegExp(`^${key}=$`, "m"));
    }
  });
});
