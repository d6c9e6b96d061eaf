/**
 * `--migrate-only` / MIGRATE_ONLY=true: apply the migrations to DATABASE_URL and exit. The compose
 * `migrate` service and the Kubernetes Job run this once before the app nodes start; the nodes
 * would also migrate at start (under an advisory lock), and then find nothing left to do.
 */
import type { Logger } from "pino";
import type { Config } from "../config/env.ts";
import { openDatabase } from "../store/database.ts";
import { migrate } from "../store/migrate.ts";

export function wantsMigrateOnly(config: Config, argv: string[]): boolean {
  return config.MIGRATE_ONLY || argv.includes("--migrate-only");
}

export async function migrateOnly(config: Config, log: Logger, migrationsDir: string): Promise<string[]> {
  if (!config.DATABASE_URL) throw new Error("--migrate-only needs DATABASE_URL");
  const db = openDatabase(config.DATABASE_URL, { max: 1 });
  try {
    const { applied, total } = await migrate(db.pool, migrationsDir);
    log.info(
      { applied, total },
      `migrations: ${applied.length} applied, ${total - applied.length} already there`,
    );
    return applied;
  } finally {
    await db.close();
  }
}
