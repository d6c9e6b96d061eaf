/**
 * The VAPID key pair Web Push requests are signed with (RFC 8292). Given in the environment, or
 * outside production generated once into the data folder (as the JWT secret is: auth/secret.ts),
 * so every local node and every restart signs with the same key and subscriptions stay valid.
 * Production without keys runs with Web Push off.
 */
import fs from "node:fs";
import path from "node:path";
import webpush from "web-push";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/** What a generated pair is signed with outside production when VAPID_SUBJECT is unset. */
const DEV_SUBJECT = "mailto:push@localhost.invalid";

export function resolveVapidKeys(
  opts: { publicKey?: string; privateKey?: string; subject?: string; production: boolean; dataDir: string },
  warn: (msg: string) => void,
): VapidKeys | undefined {
  const given = opts.publicKey !== undefined || opts.privateKey !== undefined;
  if (given) {
    if (!opts.publicKey || !opts.privateKey)
      throw new Error("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together or not at all");
    if (opts.production && !opts.subject)
      throw new Error("VAPID_SUBJECT (mailto: or https: contact) is required in production with VAPID keys");
    const keys = {
      publicKey: opts.publicKey,
      privateKey: opts.privateKey,
      subject: opts.subject ?? DEV_SUBJECT,
    };
    check(keys);
    return keys;
  }
  if (opts.production) {
    warn("VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY not set: Web Push is off");
    return undefined;
  }
  const file = path.join(opts.dataDir, "vapid-keys.json");
  fs.mkdirSync(opts.dataDir, { recursive: true });
  // Written whole under a temporary name, then linked: of several nodes starting at once the first
  // link wins and nobody reads a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(webpush.generateVAPIDKeys()), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    warn(`VAPID keys not set: generated a pair into ${file} (set VAPID_* in production)`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const stored = JSON.parse(fs.readFileSync(file, "utf8")) as { publicKey: string; privateKey: string };
  const keys = {
    publicKey: stored.publicKey,
    privateKey: stored.privateKey,
    subject: opts.subject ?? DEV_SUBJECT,
  };
  check(keys);
  return keys;
}

/** web-push's own checks (key lengths, subject URL), at start rather than at the first push. */
function check(keys: VapidKeys): void {
  try {
    webpush.getVapidHeaders(
      "https://push.example",
      keys.subject,
      keys.publicKey,
      keys.privateKey,
      "aes128gcm",
    );
  } catch (err) {
    throw new Error(`VAPID keys or subject refused: ${(err as Error).message}`);
  }
}
