import pg from "pg";
import { withDatabase } from "../../src/store/embedded-postgres.ts";

let n = 0;
/** A fresh, migrated database cloned from the run's template; dropped by the global teardown. */
export async function freshDatabase(): Promise<string> {
  const server = process.env.TEST_PG_SERVER!;
  const run = process.env.TEST_RUN_ID!;
  const name = `chat_${run}_${process.pid}_${++n}`;
  const admin = new pg.Client({ connectionString: withDatabase(server, "postgres") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "chat_${run}_tmpl"`);
  } finally {
    await admin.end();
  }
  return withDatabase(server, name);
}
