import path from "node:path";
import { fileURLToPath } from "node:url";

/** apps/server */
export const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The repository root. */
export const ROOT_DIR = path.resolve(SERVER_DIR, "../..");
