/**
 * Group commit of message inserts. Sends queue here; whenever no flush is running the queue is
 * written at once (a lone message waits for nothing), and sends that arrive while a flush runs are
 * written together by the next one: one transaction, one multi-row INSERT, one commit.
 *
 * Per chat, seqs are handed out under the chat row's lock (SELECT … FOR UPDATE, chats locked in id
 * order so concurrent flushes on several nodes never deadlock), so seqs are gap-free and
 * (chat, sender, client_id) duplicates are found before a seq is spent on them.
 */
import { AppError } from "@chat/protocol";
import type pg from "pg";
import { MESSAGE_COLUMNS, type MessageRow } from "../domain/serialize.ts";

export interface SendRequest {
  chatId: number;
  senderId: number;
  clientId: string;
  text: string;
}
export interface SendResult {
  row: MessageRow;
  duplicate: boolean;
  /** The chat's members_version under the lock the message was written with (its broadcast carries it). */
  membersVersion: number;
}

interface Pending extends SendRequest {
  resolve(r: SendResult): void;
  reject(e: unknown): void;
}

export interface WriterStats {
  batches: number;
  messages: number;
}

export class MessageWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  readonly stats: WriterStats = { batches: 0, messages: 0 };
  /** Called after each flush with its size and duration (metrics). */
  onBatch?: (size: number, seconds: number) => void;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: { maxBatch?: number; maxInFlight?: number } = {},
  ) {}

  send(req: SendRequest): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...req, resolve, reject });
      this.pump();
    });
  }

  /** Resolves when everything queued so far is written (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private pump(): void {
    const maxInFlight = this.opts.maxInFlight ?? 2;
    while (this.queue.length > 0 && this.inFlight < maxInFlight) {
      const batch = this.queue.splice(0, this.opts.maxBatch ?? 500);
      this.inFlight++;
      const started = process.hrtime.bigint();
      this.flush(batch)
        .catch((err) => {
          const e = isConnectionError(err) ? new AppError("unavailable", "The database is unavailable") : err;
          for (const p of batch) p.reject(e);
        })
        .finally(() => {
          this.inFlight--;
          this.stats.batches++;
          this.stats.messages += batch.length;
          this.onBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
          this.pump();
        });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    const client = await this.pool.connect();
    const settled: Array<() => void> = [];
    let broken: Error | undefined;
    try {
      // Four round trips per flush: BEGIN + lock, membership + duplicates, INSERT + last_seq, COMMIT.
      // The chat ids are integers validated at the edge; inlined, BEGIN and the lock share one trip.
      const chatIds = [...new Set(batch.map((p) => p.chatId))].sort((a, b) => a - b);
      if (!chatIds.every((id) => Number.isSafeInteger(id) && id > 0))
        throw new Error("invalid chat id in batch");
      const opened = (await client.query(
        `BEGIN; SELECT id, last_seq, members_version FROM chats WHERE id IN (${chatIds.join(",")}) ORDER BY id FOR UPDATE`,
      )) as unknown as [unknown, { rows: { id: number; last_seq: number; members_version: number }[] }];
      const lastSeq = new Map(opened[1].rows.map((r) => [r.id, r.last_seq]));
      // A member change bumps the version under this same row lock: it committed before this flush
      // (and the version says so) or it waits until this flush has committed.
      const version = new Map(opened[1].rows.map((r) => [r.id, r.members_version]));
      // One row per request, in order: is the sender a member, and is this client_id already stored?
      const checks = await client.query<MessageRow & { is_member: boolean; i: string }>(
        `SELECT k.i, cm.user_id IS NOT NULL AS is_member, ${MESSAGE_COLUMNS.split(", ")
          .map((c) => `m.${c}`)
          .join(", ")}
           FROM unnest($1::int[], $2::int[], $3::uuid[]) WITH ORDINALITY AS k(chat_id, sender_id, client_id, i)
           LEFT JOIN chat_members cm ON cm.chat_id = k.chat_id AND cm.user_id = k.sender_id
           LEFT JOIN messages m ON m.chat_id = k.chat_id AND m.sender_id = k.sender_id AND m.client_id = k.client_id`,
        [batch.map((p) => p.chatId), batch.map((p) => p.senderId), batch.map((p) => p.clientId)],
      );
      const isMember = new Set<string>();
      const existingRows: MessageRow[] = [];
      for (const r of checks.rows) {
        const p = batch[Number(r.i) - 1];
        if (r.is_member) isMember.add(`${p.chatId}:${p.senderId}`);
        if (r.id !== null) existingRows.push(r);
      }
      const key = (c: number, s: number, id: string) => `${c}:${s}:${id.toLowerCase()}`;
      const stored = new Map(existingRows.map((r) => [key(r.chat_id, r.sender_id, r.client_id), r]));

      // Decide each request: error, duplicate of a stored row, duplicate within this batch, or new.
      const fresh: Pending[] = [];
      const firstInBatch = new Map<string, Pending>();
      const followers: Array<{ p: Pending; of: Pending }> = [];
      for (const p of batch) {
        if (!lastSeq.has(p.chatId)) {
          settled.push(() => p.reject(new AppError("chat_not_found")));
          continue;
        }
        if (!isMember.has(`${p.chatId}:${p.senderId}`)) {
          settled.push(() => p.reject(new AppError("not_a_member")));
          continue;
        }
        const k = key(p.chatId, p.senderId, p.clientId);
        const old = stored.get(k);
        if (old) {
          settled.push(() =>
            p.resolve({ row: old, duplicate: true, membersVersion: version.get(p.chatId)! }),
          );
          continue;
        }
        const first = firstInBatch.get(k);
        if (first) {
          followers.push({ p, of: first });
          continue;
        }
        firstInBatch.set(k, p);
        fresh.push(p);
      }

      const inserted = new Map<Pending, MessageRow>();
      if (fresh.length > 0) {
        const seqs = fresh.map((p) => {
          const next = (lastSeq.get(p.chatId) ?? 0) + 1;
          lastSeq.set(p.chatId, next);
          return next;
        });
        const touched = [...new Set(fresh.map((p) => p.chatId))];
        const res = await client.query<MessageRow>(
          `WITH ins AS (
             INSERT INTO messages (chat_id, seq, sender_id, client_id, text)
             SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::uuid[], $5::text[])
             RETURNING ${MESSAGE_COLUMNS}),
           upd AS (
             UPDATE chats SET last_seq = v.seq, activity_at = now()
               FROM unnest($6::int[], $7::int[]) AS v(id, seq) WHERE chats.id = v.id)
           SELECT * FROM ins`,
          [
            fresh.map((p) => p.chatId),
            seqs,
            fresh.map((p) => p.senderId),
            fresh.map((p) => p.clientId),
            fresh.map((p) => p.text),
            touched,
            touched.map((c) => lastSeq.get(c)),
          ],
        );
        const bySeq = new Map(res.rows.map((r) => [`${r.chat_id}:${r.seq}`, r]));
        fresh.forEach((p, i) => inserted.set(p, bySeq.get(`${p.chatId}:${seqs[i]}`)!));
      }
      await client.query("COMMIT");
      // Acks only after the commit: an acknowledged message is durable.
      for (const p of fresh)
        p.resolve({ row: inserted.get(p)!, duplicate: false, membersVersion: version.get(p.chatId)! });
      for (const { p, of } of followers)
        p.resolve({ row: inserted.get(of)!, duplicate: true, membersVersion: version.get(p.chatId)! });
      for (const s of settled) s();
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error;
      else await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      // A broken connection is destroyed, not returned to the pool.
      client.release(broken);
    }
  }
}

/** Errors that mean "the database is not reachable right now": retryable for the client. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e || typeof e !== "object") return false;
  const code = e.code ?? "";
  return (
    [
      "P1001",
      "P1002",
      "P1017",
      "P2024",
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE",
      "57014", // statement_timeout (DB_STATEMENT_TIMEOUT_MS)
      "57P01",
      "57P02",
      "57P03",
      "08006",
      "08001",
      "08003",
    ].includes(code) ||
    /Connection terminated|connection timeout|Client has encountered a connection error|Query read timeout|timeout exceeded when trying to connect/i.test(
      e.message ?? "",
    )
  );
}
