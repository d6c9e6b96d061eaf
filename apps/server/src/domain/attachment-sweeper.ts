/**
 * Removes what no one can reach any more (issue 16): uploads never attached to a message after
 * ABANDONED_UPLOAD_HOURS (bytes and row), and the bytes of files whose message was deleted (the
 * row stays, marked `purged_at`). Every node runs it: rows are claimed with `FOR UPDATE SKIP
 * LOCKED`, so two nodes never work on the same file, and a storage that fails rolls the batch
 * back for the next sweep (deletes of absent keys are fine, so a repeat is harmless).
 */
import type { Logger } from "pino";
import type { Pool, PoolClient } from "pg";
import type { BlobStore } from "../storage/blob-store.ts";
import { storageKeys } from "./attachments.ts";

const BATCH = 50;

export interface SweepResult {
  /** Abandoned uploads removed, bytes and row. */
  removed: number;
  /** Files of deleted messages whose bytes were removed. */
  purged: number;
}

async function inBatch(
  pool: Pool,
  claim: string,
  params: unknown[],
  blobs: BlobStore,
  finish: (c: PoolClient, ids: string[]) => Promise<unknown>,
): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: string; storage_key: string; thumbnail_key: string | null }>(
      claim,
      params,
    );
    // Every key the attachment may have used (an upload link may have written after completion).
    const keys = rows.flatMap((r) => [
      ...new Set([
        r.storage_key,
        ...(r.thumbnail_key ? [r.thumbnail_key] : []),
        ...Object.values(storageKeys(r.id)),
      ]),
    ]);
    await Promise.all(keys.map((k) => blobs.delete(k)));
    await finish(
      client,
      rows.map((r) => r.id),
    );
    await client.query("COMMIT");
    return rows.length;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** One sweep: batches until nothing is left (or `maxBatches`, so one sweep stays short). */
export async function sweepAttachments(
  pool: Pool,
  blobs: BlobStore,
  opts: { abandonedHours: number; maxBatches?: number },
): Promise<SweepResult> {
  const out: SweepResult = { removed: 0, purged: 0 };
  const max = opts.maxBatches ?? 20;
  for (let i = 0; i < max; i++) {
    const n = await inBatch(
      pool,
      `SELECT id, storage_key, thumbnail_key FROM attachments
        WHERE message_id IS NULL AND created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      [opts.abandonedHours * 3600],
      blobs,
      (c, ids) => c.query("DELETE FROM attachments WHERE id = ANY($1::uuid[])", [ids]),
    );
    out.removed += n;
    if (n < BATCH) break;
  }
  for (let i = 0; i < max; i++) {
    const n = await inBatch(
      pool,
      `SELECT a.id, a.storage_key, a.thumbnail_key FROM attachments a JOIN messages m ON m.id = a.message_id
        WHERE m.deleted_at IS NOT NULL AND a.purged_at IS NULL
        LIMIT ${BATCH} FOR UPDATE OF a SKIP LOCKED`,
      [],
      blobs,
      (c, ids) => c.query("UPDATE attachments SET purged_at = now() WHERE id = ANY($1::uuid[])", [ids]),
    );
    out.purged += n;
    if (n < BATCH) break;
  }
  return out;
}

/** Sweeps every `everyMs` (with jitter, so the nodes spread out) until stopped; never two at once. */
export function startAttachmentSweeper(
  pool: Pool,
  blobs: BlobStore,
  opts: { everyMs: number; abandonedHours: number },
  log: Logger,
): () => void {
  if (opts.everyMs <= 0) return () => undefined;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (!running) {
      running = true;
      try {
        const r = await sweepAttachments(pool, blobs, opts);
        if (r.removed + r.purged > 0) log.info(r, "attachments swept");
      } catch (err) {
        log.warn({ err: (err as Error).message }, "attachment sweep failed; the next one retries");
      } finally {
        running = false;
      }
    }
    timer = setTimeout(tick, opts.everyMs * (0.75 + Math.random() / 2));
    timer.unref();
  };
  timer = setTimeout(tick, opts.everyMs * Math.random());
  timer.unref();
  return () => clearTimeout(timer);
}
