/**
 * One chat's messages as the page shows them: server messages by seq (history pages, live
 * messages, sync results, edits and deletes all merge here, each seq once) followed by my sends
 * that have no seq yet. A server message carrying the client_id of one of my pending sends
 * replaces it, so a message never shows twice however its copies arrive.
 */
import type { Message } from "./types.ts";
import type { EncryptedFileRef } from "@chat/client";

type SendState = "pending" | "failed";

export interface PendingSend {
  chatId: number;
  clientId: string;
  text: string;
  createdAt: string;
  state: SendState;
  error?: string;
  /** Uploaded files the message carries (their ids), and what the pending bubble shows of them. */
  attachmentIds?: string[];
  files?: { name: string; size: number }[];
  /** An encrypted chat's files: references with their keys, sealed into the MLS message. */
  encryptedFiles?: EncryptedFileRef[];
  /** The id of the message this one replies to (same chat). */
  replyTo?: number;
}

export type TimelineItem = { kind: "message"; message: Message } | { kind: "pending"; send: PendingSend };

/** Edits and deletes are newer versions of the same seq; a stale copy never overwrites them. */
function version(m: Message): number {
  if (m.deleted_at) return Number.MAX_SAFE_INTEGER;
  return m.edited_at ? Date.parse(m.edited_at) : 0;
}

export class Timeline {
  private readonly bySeq = new Map<number, Message>();
  private readonly pending = new Map<string, PendingSend>();
  private sorted: Message[] | undefined;
  /** The newest page has been fetched once (live messages may arrive before that). */
  loaded = false;

  constructor(readonly me: number) {}

  /** Adds or updates messages; answers whether anything visible changed. */
  upsert(messages: Iterable<Message>): boolean {
    let changed = false;
    for (const m of messages) {
      if (m.sender_id === this.me && this.pending.delete(m.client_id)) changed = true;
      const cur = this.bySeq.get(m.seq);
      if (cur && (version(cur) > version(m) || (version(cur) === version(m) && cur.text === m.text)))
        continue;
      this.bySeq.set(m.seq, m);
      this.sorted = undefined;
      changed = true;
    }
    return changed;
  }

  get(seq: number): Message | undefined {
    return this.bySeq.get(seq);
  }

  /** Seqs start at 1 and have no gaps (a deleted message keeps its seq), so this is exact. */
  get hasOlder(): boolean {
    const oldest = this.oldestSeq;
    return oldest === undefined ? !this.loaded : oldest > 1;
  }

  get oldestSeq(): number | undefined {
    return this.messages()[0]?.seq;
  }

  get newestSeq(): number {
    return this.messages().at(-1)?.seq ?? 0;
  }

  messages(): Message[] {
    this.sorted ??= [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return this.sorted;
  }

  addPending(p: PendingSend): void {
    // Already stored (a retry after the ack raced a reload): the stored copy wins.
    if (this.messages().some((m) => m.sender_id === this.me && m.client_id === p.clientId)) return;
    this.pending.set(p.clientId, p);
  }

  pendingSend(clientId: string): PendingSend | undefined {
    return this.pending.get(clientId);
  }

  removePending(clientId: string): void {
    this.pending.delete(clientId);
  }

  items(): TimelineItem[] {
    const out: TimelineItem[] = this.messages().map((message) => ({ kind: "message", message }));
    const sends = [...this.pending.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const send of sends) out.push({ kind: "pending", send });
    return out;
  }
}
