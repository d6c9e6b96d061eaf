/**
 * This node's view of chat membership, read from the database (never from Redis): per chat, its
 * members and the `members_version` they were read at. Local delivery (local-delivery.ts) checks it
 * for every socket a `chat:<id>` broadcast would reach, so a socket still in a room that Redis failed
 * to make it leave gets nothing.
 *
 * Entries are loaded on demand (the first broadcast of a chat on this node, or one that carries a
 * newer version than the entry) and dropped when the change log says they are out of date; in the
 * steady state a delivery costs a map lookup, no query.
 */
import type pg from "pg";

interface Entry {
  version: number;
  members: Set<number>;
}

/** Entries kept at most; the least recently loaded go first (they are reloaded on demand). */
const MAX_ENTRIES = 50_000;

export class MembershipView {
  private readonly entries = new Map<number, Entry>();
  private readonly loading = new Map<number, Promise<void>>();
  /** Chats whose load in flight may have read before a change we heard of: its result is not kept. */
  private readonly dirty = new Set<number>();
  /** Bumped by clear(): a load that started before it must not install what it read. */
  private epoch = 0;

  constructor(private readonly pool: pg.Pool) {}

  isMember(chatId: number, userId: number): boolean {
    return this.entries.get(chatId)?.members.has(userId) ?? false;
  }

  /** True when the entry is missing or older than `version` (the version a broadcast was sent under). */
  needsLoad(chatId: number, version?: number): boolean {
    const e = this.entries.get(chatId);
    return !e || (version !== undefined && version > e.version);
  }

  /** The change log or a local change says the chat's members moved to `version`. */
  noteVersion(chatId: number, version: number): void {
    const e = this.entries.get(chatId);
    if (e && e.version < version) this.entries.delete(chatId);
    if (this.loading.has(chatId)) this.dirty.add(chatId);
  }

  invalidate(chatId: number): void {
    this.entries.delete(chatId);
    if (this.loading.has(chatId)) this.dirty.add(chatId);
  }

  /** Everything may be stale (Redis came back): reload on demand. */
  clear(): void {
    this.entries.clear();
    this.epoch++;
  }

  /** Reads the chats' members and versions in one statement (one snapshot); concurrent loads of a chat share one query. */
  load(chatIds: number[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const todo: number[] = [];
    for (const id of chatIds) {
      const running = this.loading.get(id);
      if (running) waits.push(running);
      else todo.push(id);
    }
    if (todo.length > 0) {
      const epoch = this.epoch;
      const p = this.pool
        .query<{ id: number; members_version: number; members: number[] }>(
          `SELECT c.id, c.members_version,
                  COALESCE(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS members
             FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id
            WHERE c.id = ANY($1::int[]) GROUP BY c.id`,
          [todo],
        )
        .then(({ rows }) => {
          if (epoch !== this.epoch) return;
          const found = new Map(rows.map((r) => [r.id, r]));
          for (const id of todo) {
            if (this.dirty.has(id)) continue; // reloaded on demand by the next broadcast
            const r = found.get(id);
            // A chat that does not exist (any more) has no members, at any version.
            this.set(id, r ? { version: r.members_version, members: new Set(r.members) } : gone());
          }
        })
        .finally(() => {
          for (const id of todo) {
            this.loading.delete(id);
            this.dirty.delete(id);
          }
        });
      for (const id of todo) this.loading.set(id, p);
      waits.push(p);
    }
    return Promise.all(waits).then(() => undefined);
  }

  private set(chatId: number, entry: Entry) {
    const old = this.entries.get(chatId);
    // Loads may finish out of order: never replace a newer reading with an older one.
    if (old && old.version > entry.version) return;
    this.entries.delete(chatId);
    this.entries.set(chatId, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

const gone = (): Entry => ({ version: Number.MAX_SAFE_INTEGER, members: new Set() });
