/**
 * No dead exports on the client side: every name exported by apps/web, apps/bench or packages/client
 * is imported by some other file of the repository (an export only its own file uses says "used
 * elsewhere" and is not). Reads the sources as text: names exported with a declaration, imported with
 * `import { … } from` or re-exported with `export { … } from` / `export * from`.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CHECKED = ["apps/web/src", "apps/web/test", "apps/bench/src", "apps/bench/test", "packages/client/src"];
/** Where importers may live: every package's sources and tests. */
const SEARCHED = ["apps", "packages", "prisma"];
/** The entry point each workspace package name stands for. */
const PACKAGES: Record<string, string> = {
  "@chat/client": "packages/client/src/index.ts",
  "@chat/client/core": "packages/client/src/core.ts",
};

const DECLARED =
  /^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([\w$]+)/gm;
const NAMED_IMPORT = /(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"([^"]+)"/g;
const STAR_EXPORT = /export\s+\*\s+from\s+"([^"]+)"/g;
/** `const { a, b } = await import("./x.ts")`: a module loaded on demand (the admin console). */
const DYNAMIC_IMPORT = /(?:const|let)\s+\{([^}]*)\}\s*=\s*await\s+import\("([^"]+)"\)/g;

function sources(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((d) => {
    if (d.name === "node_modules" || d.name === "dist" || d.name.startsWith(".")) return [];
    const rel = path.join(dir, d.name);
    if (d.isDirectory()) return sources(rel);
    return /\.(ts|mts|cts)$/.test(d.name) ? [rel] : [];
  });
}

function resolve(from: string, spec: string): string {
  return spec.startsWith(".") ? path.join(path.dirname(from), spec) : (PACKAGES[spec] ?? spec);
}

/** Exported names of `CHECKED` files that no other file imports, as "file: name". */
function deadExports(): string[] {
  const files = SEARCHED.flatMap(sources);
  const text = new Map(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]));
  const importers = new Map<string, Set<string>>(); // "file#name" → importing files
  const reExportsAll = new Map<string, string[]>(); // barrel → files it re-exports
  for (const [f, t] of text) {
    for (const [, names, spec] of [...t.matchAll(NAMED_IMPORT), ...t.matchAll(DYNAMIC_IMPORT)]) {
      for (const raw of names.split(",")) {
        const name = raw
          .trim()
          .replace(/^type\s+/, "")
          .split(/\s+as\s+/)[0];
        if (!name) continue;
        const key = `${resolve(f, spec)}#${name}`;
        importers.set(key, (importers.get(key) ?? new Set()).add(f));
      }
    }
    for (const [, spec] of t.matchAll(STAR_EXPORT)) {
      const target = resolve(f, spec);
      reExportsAll.set(target, [...(reExportsAll.get(target) ?? []), f]);
    }
  }
  const dead: string[] = [];
  for (const f of files.filter((x) => CHECKED.some((d) => x.startsWith(`${d}/`)))) {
    for (const [, name] of text.get(f)!.matchAll(DECLARED)) {
      const via = [f, ...(reExportsAll.get(f) ?? [])];
      const users = via
        .flatMap((v) => [...(importers.get(`${v}#${name}`) ?? [])])
        .filter((u) => !via.includes(u));
      if (users.length === 0) dead.push(`${f}: ${name}`);
    }
  }
  return dead;
}

describe("exports", () => {
  it("apps/web, apps/bench and packages/client export only what another file imports", () => {
    expect(deadExports()).toEqual([]);
  });
});
