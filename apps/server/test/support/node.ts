/**
 * Test nodes: in-process (fast, for REST and single-node socket tests) or as child processes
 * running `src/main.ts` exactly as `pnpm start` does (for multi-node, kill and restart tests).
 */
import { pino, type Logger } from "pino";
import { parseEnv } from "../../src/config/env.ts";
import { startNode, type RunningNode } from "../../src/node.ts";
import { freshDatabase } from "./db.ts";
import { filledLater } from "./filled-later.ts";

import { ROOT_DIR } from "../../src/launcher/paths.ts";
import { RATE_LIMITS_OFF } from "../../src/security/limits.ts";
import { spawnNode, type NodeProcess } from "../../src/launcher/node-process.ts";

export { ROOT_DIR };
export const TEST_SECRET = "test-secret-of-at-least-thirty-two-bytes-long!!";

/** Tests register many users from 127.0.0.1: rate limits off unless a test sets them. */
export const NO_RATE_LIMITS = RATE_LIMITS_OFF;

/**
 * The run's storage for attachments (TEST_STORAGE=s3: the run's s3rver, support/global.ts), under
 * what a test sets itself. A test that needs one driver names it with STORAGE_DRIVER.
 */
export function storageEnv(env: Record<string, string>): Record<string, string> {
  if (env.STORAGE_DRIVER || env.S3_BUCKET || !process.env.TEST_STORAGE_ENV) return {};
  return JSON.parse(process.env.TEST_STORAGE_ENV) as Record<string, string>;
}

export interface TestNode extends RunningNode {
  databaseUrl: string;
}

/**
 * An in-process node on a free port with its own fresh database (unless one is given).
 * `logger` lets a test read what the node logs (e.g. a pino logger over an in-memory stream).
 */
export async function startTestNode(env: Record<string, string> = {}, logger?: Logger): Promise<TestNode> {
  const databaseUrl = env.DATABASE_URL ?? (await freshDatabase());
  const config = parseEnv(
    {
      NODE_ENV: "test",
      PORT: "0",
      HOST: "127.0.0.1",
      JWT_SECRET: TEST_SECRET,
      BCRYPT_COST: "4",
      LOG_LEVEL: "silent",
      ...NO_RATE_LIMITS,
      ...storageEnv(env),
      ...env,
      DATABASE_URL: databaseUrl,
    },
    ROOT_DIR,
  );
  const node = await startNode(config, logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }));
  return Object.assign(node, { databaseUrl });
}

/** A node as a child process with the test secret and cheap bcrypt; see src/launcher/node-process.ts. */
export function spawnTestNode(
  env: Record<string, string>,
  opts: { startTimeoutMs?: number } = {},
): Promise<NodeProcess> {
  return spawnNode(
    {
      NODE_ENV: "test",
      JWT_SECRET: TEST_SECRET,
      BCRYPT_COST: "4",
      LOG_LEVEL: "info",
      ...NO_RATE_LIMITS,
      ...storageEnv(env),
      ...env,
    },
    opts,
  );
}

/**
 * An in-process node for the enclosing describe block: started in `before` (registered first, so
 * the block's own `before` hooks may use it), closed in `after`. The answer stands for the node
 * (see `filledLater`): captured at describe time, read from hooks and tests.
 */
export function useNode(env: Record<string, string> = {}, logger?: Logger): TestNode {
  let node: TestNode | undefined;
  before(async () => {
    node = await startTestNode(env, logger);
  });
  after(() => node?.close());
  return filledLater<TestNode>("useNode()", () => node);
}
