/**
 * The web app's startup JS stays small (issue 18: under 120 KB gzipped, the encryption library
 * not included): what dist/index.html runs before the app is up — its classic scripts
 * (theme-boot.js), its module entry and every chunk that imports statically, the modulepreloads —
 * each gzipped (zlib's default level, as a web server sends it). The lazy chunks (the encryption
 * half, the admin console) must stay out of it. Reads the build: `pnpm test` builds first
 * (`pnpm run setup`); alone, run `pnpm --filter @chat/web run build` before.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist");
/** The budget, in kB (1,000 bytes, as Vite reports sizes). */
const BUDGET_KB = 120;

/** The dist paths of the JS index.html loads at startup (static imports followed). */
function startupScripts(): string[] {
  const html = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
  const roots = [
    ...html.matchAll(/<script\b[^>]*\bsrc="\/([^"]+)"/g),
    ...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="\/([^"]+)"/g),
  ].map((m) => m[1]);
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = fs.readFileSync(path.join(DIST, file), "utf8");
    // Static imports only (`from"./x.js"`, `import"./x.js"`); `import("./x.js")` is lazy.
    for (const m of code.matchAll(/\b(?:from|import)\s*"(\.\/[^"]+\.js)"/g))
      visit(path.posix.join(path.posix.dirname(file), m[1]));
  };
  roots.forEach(visit);
  return [...seen];
}

describe("the web app's startup JS", () => {
  it(`is under ${BUDGET_KB} KB gzipped, without the encryption and admin chunks`, () => {
    expect(fs.existsSync(path.join(DIST, "index.html")), "apps/web/dist: build the web app first").toBe(true);
    const files = startupScripts();
    expect(
      files.some((f) => /(^|\/)index-[\w-]+\.js$/.test(f)),
      files.join(", "),
    ).toBe(true);
    expect(files.filter((f) => /encryption|admin/.test(f))).toEqual([]);
    const sizes = files.map((f) => zlib.gzipSync(fs.readFileSync(path.join(DIST, f))).length);
    const kb = sizes.reduce((a, b) => a + b, 0) / 1000;
    const detail = files.map((f, i) => `${f} ${(sizes[i] / 1000).toFixed(2)} kB`).join(", ");
    expect(kb, `startup JS ${kb.toFixed(1)} kB gzipped: ${detail}`).toBeLessThan(BUDGET_KB);
  });
});
