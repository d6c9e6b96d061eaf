/**
 * Two in-process nodes sharing a private redis-server and one fresh database: the smallest
 * cluster, for tests that need a second node but not child processes.
 */
import { startRedis, type RedisOptions, type RedisProcess } from "../../src/launcher/redis-process.ts";
import { filledLater } from "./filled-later.ts";
import { startTestNode, type TestNode } from "./node.ts";

export interface TwoNodes {
  redis: RedisProcess;
  a: TestNode;
  b: TestNode;
}

/**
 * Starts Redis (`redis` its options, e.g. TLS), then node a (its own database) and node b on a's
 * database; `env` on top of REDIS_URL.
 */
export async function startTwoNodes(
  env: Record<string, string>,
  redisOpts: RedisOptions = {},
): Promise<TwoNodes> {
  const redis = await startRedis(redisOpts);
  const shared = { REDIS_URL: redis.url, ...env };
  let a: TestNode | undefined;
  try {
    a = await startTestNode(shared);
    const b = await startTestNode({ ...shared, DATABASE_URL: a.databaseUrl });
    return { redis, a, b };
  } catch (err) {
    // Nothing half-started stays behind when the `before` hook fails.
    await a?.close();
    await redis.stop();
    throw err;
  }
}

/** Stops what `startTwoNodes` started; safe on a fixture whose `before` never finished. */
export async function stopTwoNodes(t: TwoNodes | undefined): Promise<void> {
  await t?.a.close();
  await t?.b.close();
  await t?.redis.stop();
}

/**
 * Two nodes for the enclosing describe block: started in `before`, stopped in `after`. Read the
 * answer's fields from hooks and tests (`const { a, b } = nodes;`; see `filledLater`).
 */
export function useTwoNodes(env: Record<string, string>, redisOpts: RedisOptions = {}): TwoNodes {
  let t: TwoNodes | undefined;
  before(async () => {
    t = await startTwoNodes(env, redisOpts);
  });
  after(() => stopTwoNodes(t));
  return filledLater<TwoNodes>("useTwoNodes()", () => t);
}
