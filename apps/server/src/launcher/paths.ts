import path from "node:path";
import { fileURLToPath } from "node:url";

/** apps/server */
export const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The repository root. */
export const ROOT_DIR = path.resolve(SERVER_DIR, "../..");
/** Where `pnpm cluster` and `pnpm dev-cert` keep the self-signed development certificate. */
export const DEV_CERT_DIR = path.join(ROOT_DIR, ".data", "tls");
