/**
 * Receipt changes (read marks, a member leaving), group-committed across chats. Each change runs
 * under its chat's advisory lock; instead of one transaction (and one WAL flush) per read, the changes
 * that arrive while earlier batches are being written run together in the next one: the chats' locks
 * taken in ascending id order (concurrent batches, on any node, never deadlock), each change applied
 * in arrival order exactly as it would be alone (so "fully read" is still attributed to the read that
 * completed it), one COMMIT, then every caller is answered.
 *
 * A run of consecutive jobs with the same handler is given to it at once, so a handler can apply many
 * changes with a fixed number of queries (receipts.ts: every read of a batch in two).
 *
 * A job may fail with an AppError before it writes anything (e.g. not a member): it gets that error
 * and the batch goes on. Any other error rolls the batch back and fails every job in it.
 */
import { AppError, MAX_ID } from "@chat/protocol";
import type pg from "pg";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** One queued change: its chat and its input. */
export interface ChatJob<I> {
  chatId: number;
  input: I;
}

/** Applies `jobs` (arrival order, any chats) inside the batch's transaction; one outcome per job. */
export type BatchHandler<I, T> = (client: pg.PoolClient, jobs: ChatJob<I>[]) => Promise<Outcome<T>[]>;

interface Job extends ChatJob<unknown> {
  handler: BatchHandler<unknown, unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** The first key of the per-chat advisory lock every receipt change holds. */
const RECEIPT_LOCK = 1;
const MAX_BATCH = 500;
const MAX_IN_FLIGHT = 2;
const state = new WeakMap<pg.Pool, { queue: Job[]; inFlight: number }>();

/** Queues `input` for `handler` in the next batch; resolves with its outcome after COMMIT. */
export function inChatBatchOf<I, T>(
  pool: pg.Pool,
  chatId: number,
  handler: BatchHandler<I, T>,
  input: I,
): Promise<T> {
  if (!Number.isSafeInteger(chatId) || chatId <= 0 || chatId > MAX_ID)
    return Promise.reject(new AppError("chat_not_found"));
  let st = state.get(pool);
  if (!st) state.set(pool, (st = { queue: [], inFlight: 0 }));
  const s = st;
  return new Promise<T>((resolve, reject) => {
    s.queue.push({
      chatId,
      input,
      handler: handler as BatchHandler<unknown, unknown>,
      resolve: resolve as (v: unknown) => void,
      reject,
    });
    pump(pool, s);
  });
}

/** One change written by its own function, in the next batch (member removal). */
export function inChatBatch<T>(
  pool: pg.Pool,
  chatId: number,
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return inChatBatchOf(pool, chatId, runEach as BatchHandler<(c: pg.PoolClient) => Promise<T>, T>, fn);
}

async function runEach(client: pg.PoolClient, jobs: ChatJob<(c: pg.PoolClient) => Promise<unknown>>[]) {
  const out: Outcome<unknown>[] = [];
  for (const { input: fn } of jobs) {
    try {
      out.push({ ok: true, value: await fn(client) });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      out.push({ ok: false, error: err });
    }
  }
  return out;
}

function pump(pool: pg.Pool, s: { queue: Job[]; inFlight: number }): void {
  while (s.queue.length > 0 && s.inFlight < MAX_IN_FLIGHT) {
    const jobs = s.queue.splice(0, MAX_BATCH);
    s.inFlight++;
    void flush(pool, jobs).finally(() => {
      s.inFlight--;
      pump(pool, s);
    });
  }
}

async function flush(pool: pg.Pool, jobs: Job[]): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    for (const j of jobs) j.reject(err);
    return;
  }
  const outcomes: Outcome<unknown>[] = [];
  try {
    // Chat ids are checked positive integers: BEGIN and the locks, in ascending order, share one round trip.
    const chatIds = [...new Set(jobs.map((j) => j.chatId))].sort((a, b) => a - b);
    await client.query(
      `BEGIN; SELECT pg_advisory_xact_lock(${RECEIPT_LOCK}, id) FROM unnest('{${chatIds.join(",")}}'::int[]) AS id`,
    );
    for (let i = 0; i < jobs.length;) {
      let end = i + 1;
      while (end < jobs.length && jobs[end].handler === jobs[i].handler) end++;
      const got = await jobs[i].handler(client, jobs.slice(i, end));
      if (got.length !== end - i) throw new Error("batch handler answered the wrong number of outcomes");
      outcomes.push(...got);
      i = end;
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
