/**
 * After the window: wait for every outstanding ack, delivery and receipt, then account for every
 * message the clients sent against what they received and what the database holds.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { LossReport } from "./ledger.ts";
import type { LoadClient } from "./load.ts";
import type { BenchOptions } from "./options.ts";
import type { Log } from "./start.ts";
import type { BenchChat } from "./setup.ts";
import type { Topology } from "./topology.ts";

/** Waits for every outstanding ack, every delivery and (read scenario) every receipt. */
export async function drain(o: BenchOptions, c: LoadClient, log: Log) {
  log("draining: waiting for outstanding acks and deliveries…");
  await settle(
    () => c.inFlight === 0,
    () => c.inFlight,
    5000,
    20_000,
  );
  await settle(
    () => c.ledger.missing() === 0,
    () => c.ledger.delivered,
    3000,
    20_000,
  );
  if (o.scenario === "read") {
    await settle(
      () => false,
      () => c.ledger.fullyReadNotices + c.readsAcked,
      1500,
      15_000,
    );
  }
}

/** Waits until `done()` or until `progress()` stops changing for `quietMs`, at most `maxMs`. */
async function settle(done: () => boolean, progress: () => number, quietMs: number, maxMs: number) {
  const deadline = Date.now() + maxMs;
  let last = progress();
  let lastChange = Date.now();
  while (!done() && Date.now() < deadline && Date.now() - lastChange < quietMs) {
    await sleep(100);
    const p = progress();
    if (p !== last) {
      last = p;
      lastChange = Date.now();
    }
  }
}

export interface Reconciled {
  /** Rows in the database for the run's chats; null without a database (baseline). */
  db: Awaited<ReturnType<typeof databaseCheck>> | null;
  loss: LossReport;
}

/** Every message the clients sent, acked and received, against what the database holds. */
export async function reconcile(
  o: BenchOptions,
  topology: Topology,
  chats: BenchChat[],
  c: LoadClient,
): Promise<Reconciled> {
  const db = topology.databaseUrl ? await databaseCheck(topology.databaseUrl, chats) : null;
  return { db, loss: c.ledger.report(db, o.scenario === "read") };
}

async function databaseCheck(url: string, chats: BenchChat[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ids = chats.map((c) => c.id);
    const rows = await client.query<{ client_id: string }>(
      // Sends only: an encrypted chat's setup commit is stored in its seq too.
      "SELECT client_id::text AS client_id FROM messages WHERE chat_id = ANY($1::int[]) AND kind IN ('text', 'mls_app')",
      [ids],
    );
    const gaps = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT chat_id FROM messages WHERE chat_id = ANY($1::int[])
         GROUP BY chat_id HAVING max(seq) <> count(*) OR min(seq) <> 1) g`,
      [ids],
    );
    return { clientIds: new Set(rows.rows.map((r) => r.client_id)), seqGaps: Number(gaps.rows[0].n) };
  } finally {
    await client.end();
  }
}
