/**
 * The JWT secret. Production demands one of at least 32 bytes; elsewhere one is generated once,
 * kept in the data folder (so tokens survive restarts and every local node shares it), and warned about.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const MIN_BYTES = 32;

export function resolveJwtSecret(
  opts: { secret?: string; production: boolean; dataDir: string },
  warn: (msg: string) => void,
): string {
  if (opts.secret !== undefined) {
    if (Buffer.byteLength(opts.secret) < MIN_BYTES) {
      if (opts.production) throw new Error(`JWT_SECRET must be at least ${MIN_BYTES} bytes in production`);
      warn(`JWT_SECRET is shorter than ${MIN_BYTES} bytes; use a longer one in production`);
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
