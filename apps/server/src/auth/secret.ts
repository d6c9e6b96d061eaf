/**
 * The JWT secret. Production demands a strong one (at least 32 bytes, no placeholder, enough
 * entropy: secret-strength.ts); elsewhere one is generated once, kept in the data folder (so tokens
 * survive restarts and every local node shares it), and a weak given one is warned about.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { secretWeakness } from "./secret-strength.ts";

const MIN_BYTES = 32;

export function resolveJwtSecret(
  opts: { secret?: string; production: boolean; dataDir: string },
  warn: (msg: string) => void,
): string {
  if (opts.secret !== undefined) {
    const weakness = secretWeakness(opts.secret, MIN_BYTES);
    if (weakness) {
      const advice = "use e.g. `openssl rand -base64 48`";
      if (opts.production) throw new Error(`JWT_SECRET is refused in production: ${weakness}; ${advice}`);
      warn(`JWT_SECRET is weak (${weakness}); production would refuse it: ${advice}`);
    }
    return opts.secret;
  }
  if (opts.production) throw new Error("JWT_SECRET is required in production (at least 32 bytes)");
  const file = path.join(opts.dataDir, "jwt-secret");
  fs.mkdirSync(opts.dataDir, { recursive: true });
  try {
    // "wx": only the first of several nodes starting at once writes it; the others read it.
    fs.writeFileSync(file, crypto.randomBytes(48).toString("base64url"), { flag: "wx", mode: 0o600 });
    warn(`JWT_SECRET not set: generated one into ${file} (set JWT_SECRET in production)`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    warn(`JWT_SECRET not set: using the generated one in ${file}`);
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** METRICS_TOKEN guards the scrape endpoint: in production a placeholder (the example's `change-me`) is refused too. */
export function checkMetricsToken(token: string | undefined, production: boolean): void {
  if (token === undefined || !production) return;
  const weakness = secretWeakness(token, 16);
  if (weakness)
    throw new Error(`METRICS_TOKEN is refused in production: ${weakness}; use e.g. \`openssl rand -hex 24\``);
}
