/** Entry point: `pnpm start`. Parses the environment, starts a node, closes it cleanly on SIGTERM/SIGINT. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "./config/env.ts";
import { createLogger } from "./logger.ts";
import { startNode } from "./node.ts";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let config;
try {
  config = parseEnv(process.env, rootDir);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL, config.NODE_ID);

try {
  const node = await startNode(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      log.error("shutdown timed out; exiting");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    node.close().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
} catch (err) {
  log.fatal({ err }, "node failed to start");
  process.exit(1);
}
