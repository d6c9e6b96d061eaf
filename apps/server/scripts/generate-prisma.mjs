// Generates the Prisma client offline. The Prisma CLI insists on a native schema engine it would
// download from outside npm; `generate` never runs it, it only needs the path to exist
// (see STACK-NOTES.md), so we point it at this file.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
execFileSync(
  process.execPath,
  [
    path.join(here, "../node_modules/prisma/build/index.js"),
    "generate",
    "--config",
    "prisma/prisma.config.ts",
  ],
  {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
  },
);
