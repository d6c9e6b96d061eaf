/**
 * Receipt changes of one chat (read marks, a member leaving), group-committed. Each runs under the
 * chat's advisory lock; instead of one transaction (and one WAL flush) per read, the reads of a chat that arrive
 * while its previous batch is being written run together in the next one: one lock, each read
 * applied in arrival order exactly as it would be alone (so "fully read" is still attributed to the
 * read that completed it), one COMMIT, then every caller is answered.
 *
 * A job may throw an AppError before it writes anything (e.g. not a member): it gets that error
 * and the batch goes on. Any other error rolls the batch back and fails every job in it.
 */
import { AppError } from "@chat/protocol";
import type pg from "pg";

type Job = {
  fn: (c: pg.PoolClient) => Promise<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
};

/** The first key of the per-chat advisory lock every receipt change holds. */
const RECEIPT_LOCK = 1;
const state = new WeakMap<pg.Pool, { queued: Map<number, Job[]>; running: Set<number> }>();

export function inChatBatch<T>(
  pool: pg.Pool,
  chatId: number,
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let s = state.get(pool);
  if (!s) state.set(pool, (s = { queued: new Map(), running: new Set() }));
  const st = s;
  return new Promise<T>((resolve, reject) => {
    const q = st.queued.get(chatId) ?? [];
    st.queued.set(chatId, q);
    q.push({ fn, resolve: resolve as (v: unknown) => void, reject });
    if (!st.running.has(chatId)) void run(pool, st, chatId);
  });
}

async function run(pool: pg.Pool, st: { queued: Map<number, Job[]>; running: Set<number> }, chatId: number) {
  st.running.add(chatId);
  try {
    for (;;) {
      const jobs = st.queued.get(chatId) ?? [];
      st.queued.delete(chatId);
      if (jobs.length === 0) return;
      await flush(pool, chatId, jobs);
    }
  } finally {
    st.running.delete(chatId);
  }
}

async function flush(pool: pg.Pool, chatId: number, jobs: Job[]): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    for (const j of jobs) j.reject(err);
    return;
  }
  const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [RECEIPT_LOCK, chatId]);
    for (const j of jobs) {
      try {
        outcomes.push({ ok: true, value: await j.fn(client) });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        outcomes.push({ ok: false, error: err });
      }
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release(err as Error); // not back into the pool: it may be broken
    for (const j of jobs) j.reject(err);
    return;
  }
  client.release();
  jobs.forEach((j, i) => {
    const o = outcomes[i];
    if (o.ok) j.resolve(o.value);
    else j.reject(o.error);
  });
}
