/**
 * Group commit: the one engine behind message inserts, read receipts and member removal. Jobs queue
 * here; whenever fewer than `maxInFlight` batches are being written, the queue (up to `maxBatch`
 * jobs) is written at once (a lone job waits for nothing), and jobs that arrive meanwhile go
 * together into the next batch: one transaction, one COMMIT (one WAL flush), then every job is
 * answered. Nothing is acknowledged before its COMMIT.
 *
 * A batch first takes its chats' locks with the engine's `LockStrategy`, in ascending chat id
 * order, so concurrent batches (on any node) never deadlock: the chat rows `FOR UPDATE`
 * (`rowLocks`, messages: seqs are handed out under it) or transaction advisory locks
 * (`advisoryLocks`, receipts). A run of consecutive jobs with the same handler is given to it at
 * once, so a handler can apply many jobs with a fixed number of queries.
 *
 * The convention every job follows (the batch's other jobs share its transaction):
 *   A job may refuse (an AppError, or an `{ok: false}` outcome) only BEFORE it writes anything.
 *   Once it has written, it must succeed; any throw rolls back the whole batch and fails every job.
 * It is enforced: statements go through a `Tx`, whose `query` refuses writes and whose `write`
 * marks the job as having written; a job that throws after writing fails the batch with a
 * `GroupCommitBugError` (logged as a bug), never a silent partial commit.
 */
import { AppError, MAX_ID } from "@chat/protocol";
import type pg from "pg";
import { isConnectionError } from "./connection-errors.ts";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** One queued job: its chat and its input. */
export interface ChatJob<I> {
  chatId: number;
  input: I;
}

/** Statements of a batch's transaction. */
export interface Tx {
  /** A statement that only reads (refused if it looks like a write: use `write`). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** A statement that writes: from here on the job must not fail alone (see the convention). */
  write<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Applies `jobs` (arrival order, any chats) inside the batch's transaction; one outcome per job. */
export type BatchHandler<I, T, L = unknown> = (
  tx: Tx,
  jobs: ChatJob<I>[],
  locked: L,
) => Promise<Outcome<T>[]>;

/** Opens the batch's transaction and locks its chats (`chatIds` ascending) in one round trip. */
export interface LockStrategy<L> {
  begin(client: pg.PoolClient, chatIds: number[]): Promise<L>;
}

/** What a chat row said under its `FOR UPDATE` lock. */
export interface LockedChat {
  /** A handler that hands out seqs raises it, so a later handler of the batch goes on from there. */
  lastSeq: number;
  membersVersion: number;
  /** End-to-end encrypted (MLS): plaintext sends are refused. */
  encrypted: boolean;
}

/** The chat rows, `FOR UPDATE`: answers each existing chat's last seq and members version. */
export const rowLocks: LockStrategy<Map<number, LockedChat>> = {
  async begin(client, chatIds) {
    // Chat ids are checked positive integers (run()): inlined, BEGIN and the lock share one trip.
    const opened = (await client.query(
      `BEGIN; SELECT id, last_seq, members_version, encrypted FROM chats WHERE id IN (${chatIds.join(",")}) ORDER BY id FOR UPDATE`,
    )) as unknown as [
      unknown,
      { rows: { id: number; last_seq: number; members_version: number; encrypted: boolean }[] },
    ];
    return new Map(
      opened[1].rows.map((r) => [
        r.id,
        { lastSeq: r.last_seq, membersVersion: r.members_version, encrypted: r.encrypted },
      ]),
    );
  },
};

/** Transaction advisory locks `(key, chat id)`: serializes the chat's jobs without touching its row. */
export function advisoryLocks(key: number): LockStrategy<undefined> {
  return {
    async begin(client, chatIds) {
      await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${key}, id) FROM unnest('{${chatIds.join(",")}}'::int[]) AS id`,
      );
      return undefined;
    },
  };
}

/** A job broke the convention (threw after writing): a bug, the batch was rolled back. */
export class GroupCommitBugError extends Error {
  constructor(readonly cause: unknown) {
    super(`a group-commit job threw after writing (the batch was rolled back): ${String(cause)}`);
    this.name = "GroupCommitBugError";
  }
}

export interface GroupCommitOptions<L> {
  lock: LockStrategy<L>;
  maxBatch?: number;
  maxInFlight?: number;
  /** Where a broken convention is reported. */
  onBug?: (err: GroupCommitBugError) => void;
}

export interface GroupCommitStats {
  batches: number;
  jobs: number;
}

interface Queued extends ChatJob<unknown> {
  handler: BatchHandler<unknown, unknown, unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const WRITE = /^\s*(?:with\b[\s\S]*\b)?(?:insert|update|delete|merge|truncate)\b/i;

export class GroupCommit<L> {
  private queue: Queued[] = [];
  private inFlight = 0;
  readonly stats: GroupCommitStats = { batches: 0, jobs: 0 };
  /** Called after each batch with its size and duration (metrics). */
  onBatch?: (size: number, seconds: number) => void;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: GroupCommitOptions<L>,
  ) {}

  /** Queues `input` for `handler` in the next batch; resolves with its outcome after COMMIT. */
  run<I, T>(chatId: number, handler: BatchHandler<I, T, L>, input: I): Promise<T> {
    if (!Number.isSafeInteger(chatId) || chatId <= 0 || chatId > MAX_ID)
      return Promise.reject(new AppError("chat_not_found"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        chatId,
        input,
        handler: handler as BatchHandler<unknown, unknown, unknown>,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  /** One job written by its own function (member removal); it may throw an AppError before writing. */
  runOne<T>(chatId: number, fn: (tx: Tx, locked: L) => Promise<T>): Promise<T> {
    return this.run(chatId, runEach as BatchHandler<(tx: Tx, locked: L) => Promise<T>, T, L>, fn);
  }

  /** Resolves when everything queued so far is written (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private pump(): void {
    const maxInFlight = this.opts.maxInFlight ?? 2;
    while (this.queue.length > 0 && this.inFlight < maxInFlight) {
      const jobs = this.queue.splice(0, this.opts.maxBatch ?? 500);
      this.inFlight++;
      const started = process.hrtime.bigint();
      void this.flush(jobs).finally(() => {
        this.inFlight--;
        this.stats.batches++;
        this.stats.jobs += jobs.length;
        this.onBatch?.(jobs.length, Number(process.hrtime.bigint() - started) / 1e9);
        this.pump();
      });
    }
  }

  private async flush(jobs: Queued[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      return this.fail(jobs, err);
    }
    const outcomes: Outcome<unknown>[] = [];
    try {
      const chatIds = [...new Set(jobs.map((j) => j.chatId))].sort((a, b) => a - b);
      const locked = await this.opts.lock.begin(client, chatIds);
      const tx = txOf(client);
      for (let i = 0; i < jobs.length;) {
        let end = i + 1;
        while (end < jobs.length && jobs[end].handler === jobs[i].handler) end++;
        const got = await jobs[i].handler(tx, jobs.slice(i, end), locked);
        if (got.length !== end - i) throw new Error("batch handler answered the wrong number of outcomes");
        outcomes.push(...got);
        i = end;
      }
      await client.query("COMMIT");
    } catch (err) {
      // A broken connection (or one that cannot even roll back) is destroyed, not pooled again.
      const rolledBack =
        !isConnectionError(err) &&
        (await client.query("ROLLBACK").then(
          () => true,
          () => false,
        ));
      client.release(rolledBack ? undefined : (err as Error));
      if (err instanceof GroupCommitBugError) this.opts.onBug?.(err);
      return this.fail(jobs, err);
    }
    client.release();
    jobs.forEach((j, i) => {
      const o = outcomes[i];
      if (o.ok) j.resolve(o.value);
      else j.reject(o.error);
    });
  }

  private fail(jobs: Queued[], err: unknown): void {
    const e = isConnectionError(err) ? new AppError("unavailable", "The database is unavailable") : err;
    for (const j of jobs) j.reject(e);
  }
}

/** A handle on the client that refuses writes through `query` and counts those through `write`. */
function txOf(client: pg.PoolClient): Tx & { writes: number } {
  const tx = {
    writes: 0,
    query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      if (WRITE.test(sql)) throw new Error("Tx.query is for reads; a write goes through Tx.write");
      return client.query<R>(sql, params);
    },
    write<R extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      tx.writes++;
      return client.query<R>(sql, params);
    },
  };
  return tx;
}

/** Runs each job's own function; an AppError refuses that job alone, but only before it wrote. */
async function runEach(
  tx: Tx & { writes: number },
  jobs: ChatJob<(tx: Tx, locked: unknown) => Promise<unknown>>[],
  locked: unknown,
): Promise<Outcome<unknown>[]> {
  const out: Outcome<unknown>[] = [];
  for (const { input: fn } of jobs) {
    const before = tx.writes;
    try {
      out.push({ ok: true, value: await fn(tx, locked) });
    } catch (err) {
      if (tx.writes !== before) throw new GroupCommitBugError(err);
      if (!(err instanceof AppError)) throw err;
      out.push({ ok: false, error: err });
    }
  }
  return out;
}

/** The first key of the per-chat advisory lock every receipt change holds. */
const RECEIPT_LOCK = 1;

/** The node's two group-commit engines, one per lock a chat's writes take. */
export interface ChatCommits {
  /** Message inserts: under the chat rows `FOR UPDATE` (seqs, members version). */
  messages: GroupCommit<Map<number, LockedChat>>;
  /** Receipt changes (reads, a member leaving): under the chat's advisory receipt lock. */
  receipts: GroupCommit<undefined>;
}

export function chatCommits(pool: pg.Pool, onBug?: (err: GroupCommitBugError) => void): ChatCommits {
  return {
    messages: new GroupCommit(pool, { lock: rowLocks, onBug }),
    receipts: new GroupCommit(pool, { lock: advisoryLocks(RECEIPT_LOCK), onBug }),
  };
}
