/**
 * Prints the README's environment table from config/env.ts; with --write, replaces it in README.md
 * between the env-table markers. A test checks the README holds the current table.
 */
import fs from "node:fs";
import path from "node:path";
import { envTable } from "../src/config/env-table.ts";
import { ROOT_DIR } from "../src/launcher/paths.ts";

const table = envTable();
if (process.argv.includes("--write")) {
  const file = path.join(ROOT_DIR, "README.md");
  const readme = fs.readFileSync(file, "utf8");
  const out = readme.replace(
    /<!-- env-table:start -->[\s\S]*<!-- env-table:end -->/,
    `<!-- env-table:start -->\n${table}\n<!-- env-table:end -->`,
  );
  fs.writeFileSync(file, out);
} else {
  console.log(table);
}
