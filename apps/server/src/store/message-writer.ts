/**
 * Message inserts, group-committed (store/group-commit.ts, under the chat rows' `FOR UPDATE`
 * lock): a batch of sends costs four round trips whatever its size — BEGIN + lock, membership +
 * duplicates, INSERT + last_seq, COMMIT.
 *
 * Per chat, seqs are handed out under the chat row's lock, so seqs are gap-free and
 * (chat, sender, client_id) duplicates are found before a seq is spent on them (send-decisions.ts).
 *
 * Files (issue 16): a batch that asks for uploads takes one more round trip, before anything is
 * written: their rows `FOR UPDATE`, in id order (after the chat rows, as every batch does, so
 * batches never deadlock). Two sends racing for one upload therefore meet here: the later one
 * sees it attached and is refused. The links are written by the INSERT's own statement, so a
 * message and its files commit together or not at all.
 */
import { AppError } from "@chat/protocol";
import type { BatchHandler, ChatCommits, LockedChat, Outcome, Tx } from "./group-commit.ts";
import { attachmentsOf, type AttachmentRow } from "./attachment-row.ts";
import { messageColumnsOf, MESSAGE_COLUMNS, type MessageRow } from "./message-row.ts";
import { replyOf } from "../domain/replies.ts";
import { decideSends, type AttachmentFacts } from "./send-decisions.ts";

export interface SendRequest {
  chatId: number;
  senderId: number;
  clientId: string;
  text: string;
  /** Uploads to link to the message, in order (distinct ids; at most MAX_ATTACHMENTS_PER_MESSAGE). */
  attachmentIds?: string[];
  /** The message of the same chat it replies to (checked by the caller: domain/replies.ts). */
  replyTo?: number;
}
export interface SendResult {
  row: MessageRow;
  duplicate: boolean;
  /** The chat's members_version under the lock the message was written with (its broadcast carries it). */
  membersVersion: number;
}

/** Stores one message in the next batch; resolves after its COMMIT (an acknowledged message is durable). */
export function writeMessage(commits: ChatCommits, req: SendRequest): Promise<SendResult> {
  return commits.messages.run(req.chatId, insertMessages, req);
}

const insertMessages: BatchHandler<SendRequest, SendResult, Map<number, LockedChat>> = async (
  tx,
  jobs,
  locked,
) => {
  const batch = jobs.map((j) => j.input);
  // A member change bumps the version under this same row lock: it committed before this batch
  // (and the version says so) or it waits until this batch has committed.
  const version = (chatId: number) => locked.get(chatId)!.membersVersion;
  // One row per request, in order: is the sender a member, and is this client_id already stored?
  const checks = await tx.query<MessageRow & { is_member: boolean; i: string }>(
    `SELECT k.i, cm.user_id IS NOT NULL AS is_member, ${messageColumnsOf("m")}, ${attachmentsOf("m")}, ${replyOf("m")}
       FROM unnest($1::int[], $2::int[], $3::uuid[]) WITH ORDINALITY AS k(chat_id, sender_id, client_id, i)
       LEFT JOIN chat_members cm ON cm.chat_id = k.chat_id AND cm.user_id = k.sender_id
       LEFT JOIN messages m ON m.chat_id = k.chat_id AND m.sender_id = k.sender_id AND m.client_id = k.client_id`,
    [batch.map((p) => p.chatId), batch.map((p) => p.senderId), batch.map((p) => p.clientId)],
  );
  const members = new Set<string>();
  const stored: MessageRow[] = [];
  for (const r of checks.rows) {
    const p = batch[Number(r.i) - 1];
    if (r.is_member) members.add(`${p.chatId}:${p.senderId}`);
    if (r.id !== null) stored.push(r);
  }
  const files = await lockAttachments(tx, batch);
  const decisions = decideSends(batch, {
    chatExists: (chatId) => locked.has(chatId),
    chatEncrypted: (chatId) => locked.get(chatId)?.encrypted === true,
    isMember: (chatId, senderId) => members.has(`${chatId}:${senderId}`),
    stored,
    attachments: files.facts,
  });

  const fresh = batch.flatMap((p, i) => (decisions[i].kind === "new" ? [i] : []));
  const inserted = new Map<number, MessageRow>();
  if (fresh.length > 0) {
    const lastSeq = new Map([...locked].map(([id, c]) => [id, c.lastSeq]));
    const seqs = fresh.map((i) => {
      const next = lastSeq.get(batch[i].chatId)! + 1;
      lastSeq.set(batch[i].chatId, next);
      return next;
    });
    const touched = [...new Set(fresh.map((i) => batch[i].chatId))];
    // One link per (message, file): the message is found by its (chat, seq) among the inserted rows.
    const links = fresh.flatMap((i, n) =>
      (batch[i].attachmentIds ?? []).map((id, pos) => ({ id, chatId: batch[i].chatId, seq: seqs[n], pos })),
    );
    const linkFiles =
      links.length === 0
        ? ""
        : `,
       links AS (
         UPDATE attachments SET message_id = ins.id, chat_id = ins.chat_id, position = l.pos
           FROM unnest($9::uuid[], $10::int[], $11::int[], $12::int[]) AS l(id, chat_id, seq, pos)
           JOIN ins ON ins.chat_id = l.chat_id AND ins.seq = l.seq
          WHERE attachments.id = l.id)`;
    const linkParams =
      links.length === 0
        ? []
        : [
            links.map((l) => l.id),
            links.map((l) => l.chatId),
            links.map((l) => l.seq),
            links.map((l) => l.pos),
          ];
    // Handlers after this one in the batch (MLS sends: domain/mls-delivery.ts) go on from here.
    for (const c of touched) locked.get(c)!.lastSeq = lastSeq.get(c)!;
    const res = await tx.write<MessageRow>(
      `WITH ins AS (
         INSERT INTO messages (chat_id, seq, sender_id, client_id, text, reply_to)
         SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::uuid[], $5::text[], $8::int[])
         RETURNING ${MESSAGE_COLUMNS}),
       upd AS (
         UPDATE chats SET last_seq = v.seq, activity_at = now()
           FROM unnest($6::int[], $7::int[]) AS v(id, seq) WHERE chats.id = v.id)${linkFiles}
       SELECT ins.*, ${replyOf("ins")} FROM ins`,
      [
        fresh.map((i) => batch[i].chatId),
        seqs,
        fresh.map((i) => batch[i].senderId),
        fresh.map((i) => batch[i].clientId),
        fresh.map((i) => batch[i].text),
        touched,
        touched.map((c) => lastSeq.get(c)),
        fresh.map((i) => batch[i].replyTo ?? null),
        ...linkParams,
      ],
    );
    const bySeq = new Map(res.rows.map((r) => [`${r.chat_id}:${r.seq}`, r]));
    fresh.forEach((i, n) => {
      const row = bySeq.get(`${batch[i].chatId}:${seqs[n]}`)!;
      const ids = batch[i].attachmentIds ?? [];
      if (ids.length > 0) row.attachments = ids.map((id) => files.rows.get(id.toLowerCase())!);
      inserted.set(i, row);
    });
  }

  return decisions.map((d, i): Outcome<SendResult> => {
    const membersVersion = d.kind === "refuse" ? 0 : version(batch[i].chatId);
    switch (d.kind) {
      case "refuse":
        return {
          ok: false,
          error:
            d.code === "attachment_unusable"
              ? new AppError(d.code, undefined, { attachment_ids: d.attachmentIds })
              : new AppError(d.code),
        };
      case "stored":
        return { ok: true, value: { row: d.row, duplicate: true, membersVersion } };
      case "same_as":
        return { ok: true, value: { row: inserted.get(d.index)!, duplicate: true, membersVersion } };
      case "new":
        return { ok: true, value: { row: inserted.get(i)!, duplicate: false, membersVersion } };
    }
  });
};

/**
 * The uploads the batch asks for, locked `FOR UPDATE` in id order (a read: nothing is written
 * yet, so a send may still be refused): what decideSends needs of each, and the file as a message
 * will carry it. No query when no send of the batch has files.
 */
async function lockAttachments(
  tx: Tx,
  batch: SendRequest[],
): Promise<{ facts: Map<string, AttachmentFacts>; rows: Map<string, AttachmentRow> }> {
  const ids = [...new Set(batch.flatMap((p) => p.attachmentIds ?? []).map((a) => a.toLowerCase()))].sort();
  const facts = new Map<string, AttachmentFacts>();
  const rows = new Map<string, AttachmentRow>();
  if (ids.length === 0) return { facts, rows };
  const res = await tx.query<AttachmentRow & { uploader_id: number; free: boolean; size: string }>(
    `SELECT id, uploader_id,
            state = 'ready' AND message_id IS NULL AND chat_id IS NULL AND purged_at IS NULL AS free,
            name, coalesce(size, declared_size) AS size, coalesce(mime, declared_mime) AS mime,
            width, height, thumbnail_key IS NOT NULL AS thumb, encrypted
       FROM attachments WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  for (const r of res.rows) {
    facts.set(r.id, { uploaderId: r.uploader_id, free: r.free, encrypted: r.encrypted });
    rows.set(r.id, {
      id: r.id,
      name: r.name,
      size: Number(r.size),
      mime: r.mime,
      width: r.width,
      height: r.height,
      thumb: r.thumb,
      encrypted: r.encrypted,
    });
  }
  return { facts, rows };
}
