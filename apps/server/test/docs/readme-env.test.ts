import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { envTable } from "../../src/config/env-table.ts";
import { ROOT_DIR } from "../../src/launcher/paths.ts";

describe("README", () => {
  it("shows the environment table generated from config/env.ts (pnpm --filter @chat/server run env-table)", () => {
    const readme = fs.readFileSync(path.join(ROOT_DIR, "README.md"), "utf8");
    expect(readme).to.include(envTable());
  });
});
