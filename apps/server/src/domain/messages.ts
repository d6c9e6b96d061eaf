import { AppError, MAX_ID, MAX_PAGE, SYNC_MAX_LIMIT, textWithAttachments } from "@chat/protocol";
import { requireMember } from "./access.ts";
import { enforce } from "../cluster/rate-limit.ts";
import type { DomainContext } from "./context.ts";
import { toMessage, type WireMessage } from "./serialize.ts";
import { messageColumnsOf, MESSAGE_COLUMNS, type MessageRow } from "../store/message-row.ts";
import { attachmentsOf } from "../store/attachment-row.ts";
import { writeMessage } from "../store/message-writer.ts";
import { messageJsonSize, withinBudget, type BudgetedRow } from "./answer-budget.ts";
import { reactionsJsonSize, reactionsOf } from "./reactions.ts";
import { checkReplyTarget, replyOf } from "./replies.ts";

/**
 * Stores a message (group-committed, idempotent on (chat, sender, client_id)) and, when it is new,
 * broadcasts it to every device in the chat. Membership is checked by the writer inside its
 * transaction, for REST and socket sends alike. Sends per user are rate-limited across the cluster;
 * a send refused by the limit is first given to `replayStoredSend`. Files (`attachment_ids`) are
 * linked in the same transaction as the message (store/message-writer.ts): a message is stored
 * with all of them or not at all (`attachment_unusable`); a duplicate links nothing new.
 */
export async function sendMessage(
  ctx: DomainContext,
  senderId: number,
  input: { chat_id: number; client_id: string; text?: string; attachment_ids?: string[]; reply_to?: number },
): Promise<{ message: WireMessage; duplicate: boolean }> {
  const budget = ctx.limits.sendsPerUser;
  try {
    await enforce(ctx.limiter, [[budget, String(senderId)]]);
  } catch (err) {
    const replayed =
      err instanceof AppError &&
      err.code === "rate_limited" &&
      (await replayStoredSend(ctx, senderId, input));
    if (replayed) return replayed;
    throw err;
  }
  if (input.reply_to !== undefined) await checkReplyTarget(ctx, input.chat_id, input.reply_to);
  const { row, duplicate, membersVersion } = await writeMessage(ctx.commits, {
    chatId: input.chat_id,
    senderId,
    clientId: input.client_id,
    text: input.text ?? "",
    attachmentIds: input.attachment_ids,
    replyTo: input.reply_to,
  });
  const message = toMessage(row);
  if (!duplicate) {
    ctx.bus.toChat(input.chat_id, "message:new", message, { membersVersion });
    // Only the node that stored it pushes it: one push per message per subscription.
    ctx.push?.stored(message);
  }
  // A duplicate stores nothing: give back what it spent, so retries do not eat new messages' budget.
  else if (budget.max > 0) await ctx.limiter.refund?.(budget, String(senderId)).catch(() => undefined);
  return { message, duplicate };
}

/**
 * Idempotent send, the step taken when the rate limit refuses a send: a retry of a message already
 * stored (its ack was lost) is free — it answers the stored message as a duplicate, never
 * rate_limited, so a client recovering from a cut converges. Answers nothing when this sender
 * (still a member) stored nothing under this client_id. (Within the limit, the writer finds
 * duplicates itself, under the chat's lock: store/send-decisions.ts.)
 */
async function replayStoredSend(
  ctx: DomainContext,
  senderId: number,
  input: { chat_id: number; client_id: string },
): Promise<{ message: WireMessage; duplicate: true } | undefined> {
  const { rows } = await ctx.db.pool.query<MessageRow>(
    `SELECT ${messageColumnsOf("m")}, ${attachmentsOf("m")}, ${replyOf("m")}
       FROM messages m JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = m.sender_id
      WHERE m.chat_id = $1 AND m.sender_id = $2 AND m.client_id = $3`,
    [input.chat_id, senderId, input.client_id],
  );
  return rows[0] && { message: toMessage(rows[0]), duplicate: true };
}

/**
 * A page by seq cursor. `before_seq` (or nothing): the newest `limit` before it; `after_seq`: the
 * oldest after it; `around_seq`: a window holding it (see `pageAround`). Ascending every way.
 */
export async function listMessages(
  ctx: DomainContext,
  userId: number,
  chatId: number,
  q: { before_seq?: number; after_seq?: number; around_seq?: number; limit?: number },
): Promise<{ messages: WireMessage[]; has_more: boolean; has_more_after?: boolean }> {
  await requireMember(ctx, chatId, userId);
  if (q.around_seq !== undefined) return pageAround(ctx, chatId, q.around_seq, q.limit);
  const { messages, has_more } = await pageMessages(ctx, chatId, q, MAX_PAGE, ctx.limits.answerBytes);
  return { messages, has_more };
}

/**
 * The window a search result or a quote opens in: the message at `seq` (if any) and up to
 * ceil(limit/2) - 1 before it, then up to floor(limit/2) after it. Each half is one ordinary page with half
 * the byte budget, so the answer is bounded exactly as any other page (`limit` ≤ MAX_PAGE).
 */
async function pageAround(ctx: DomainContext, chatId: number, seq: number, limit = 50) {
  const n = Math.min(limit, MAX_PAGE);
  const older = Math.ceil(n / 2);
  const budget = Math.floor(ctx.limits.answerBytes / 2);
  // Capped: a seq at the int column's top must not overflow it (no chat gets there).
  const upTo = Math.min(seq + 1, MAX_ID);
  const before = await pageMessages(ctx, chatId, { before_seq: upTo, limit: older }, MAX_PAGE, budget);
  // limit 0 (a window of one) still answers has_more: the query reads one row past the page.
  const after = await pageMessages(ctx, chatId, { after_seq: seq, limit: n - older }, MAX_PAGE, budget);
  return {
    messages: [...before.messages, ...after.messages],
    has_more: before.has_more,
    has_more_after: after.has_more,
  };
}

/**
 * A page of at most `limit` messages and about `budget` bytes of JSON: the cut is made in SQL
 * (a running sum of each row's JSON size), so the node never loads more than the budget, however
 * large the messages. The first message always comes, so a page always moves forward; `bytes` is
 * what the page holds (for a caller that spends one budget over several pages).
 */
async function pageMessages(
  ctx: DomainContext,
  chatId: number,
  q: { before_seq?: number; after_seq?: number; limit?: number },
  maxLimit: number,
  budget: number,
): Promise<{ messages: WireMessage[]; has_more: boolean; bytes: number }> {
  const limit = Math.min(q.limit ?? 50, maxLimit);
  const forward = q.after_seq !== undefined;
  const { rows } = await ctx.db.pool.query<BudgetedRow<MessageRow>>(
    withinBudget(
      `SELECT ${MESSAGE_COLUMNS}, ${attachmentsOf("messages")}, ${reactionsOf("messages")}, ${replyOf("messages")} FROM messages
        WHERE chat_id = $1 AND ${forward ? "seq > $2" : "seq < $2"}
        ORDER BY seq ${forward ? "ASC" : "DESC"} LIMIT $3`,
      `${messageJsonSize("p")} + ${reactionsJsonSize("p")}`,
      `p.seq ${forward ? "ASC" : "DESC"}`,
      "$4",
    ),
    [chatId, forward ? q.after_seq : (q.before_seq ?? 2_147_483_647), limit + 1, budget],
  );
  const kept = rows.slice(0, limit);
  if (!forward) kept.reverse();
  return {
    messages: kept.map(toMessage),
    has_more: rows.length > 0 && rows[0].total > kept.length,
    bytes: kept.reduce((max, r) => Math.max(max, r.running), 0),
  };
}

/** What the origin's history shows for an encrypted chat's message: it cannot decrypt MLS. */
export const ENCRYPTED_PLACEHOLDER = "[end-to-end encrypted message]";

/**
 * The origin's history: skip `offset` newest, take `limit` (10), oldest first; `read` = read by all
 * others. Within the answer byte budget: fewer than `limit` items may come, and `has_more` (the
 * route's `X-Has-More` header) says whether older messages remain after them.
 */
export async function history(
  ctx: DomainContext,
  userId: number,
  chatId: number,
  q: { limit?: number; offset?: number },
) {
  await requireMember(ctx, chatId, userId);
  const limit = q.limit ?? 10;
  const { rows } = await ctx.db.pool.query<BudgetedRow<MessageRow & { read: boolean }>>(
    withinBudget(
      `SELECT m.id, m.chat_id, m.seq, m.sender_id, m.text, m.created_at, m.deleted_at, m.kind,
              COALESCE(s.fully_read_seq >= m.seq, false) AS read, ${attachmentsOf("m")}
         FROM messages m LEFT JOIN chat_members s ON s.chat_id = m.chat_id AND s.user_id = m.sender_id
        WHERE m.chat_id = $1 ORDER BY m.seq DESC LIMIT $2 OFFSET $3`,
      messageJsonSize("p"),
      "p.seq DESC",
      "$4",
    ),
    [chatId, limit + 1, q.offset ?? 0, ctx.limits.answerBytes],
  );
  const kept = rows.slice(0, limit);
  const items = kept.reverse().map((r) => ({
    id: r.id,
    chat_id: r.chat_id,
    seq: r.seq,
    sender_id: r.sender_id,
    // The origin knows no files: their names stand in the text (a deleted message has neither).
    text:
      r.deleted_at != null
        ? ""
        : r.kind !== undefined && r.kind !== "text"
          ? ENCRYPTED_PLACEHOLDER
          : textWithAttachments(r.text, r.attachments ?? undefined),
    timestamp: new Date(r.created_at).toISOString(),
    read: r.read,
  }));
  return { items, has_more: rows.length > 0 && rows[0].total > kept.length };
}

async function ownMessage(ctx: DomainContext, userId: number, chatId: number, messageId: number) {
  await requireMember(ctx, chatId, userId);
  const { rows } = await ctx.db.pool.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND chat_id = $2`,
    [messageId, chatId],
  );
  const m = rows[0];
  if (!m) throw new AppError("message_not_found");
  if (m.sender_id !== userId) throw new AppError("forbidden", "You may only change your own messages");
  return m;
}

/**
 * The chat's members version as this statement sees it: a removal committed before the change is
 * counted, so no node delivers the change to the removed member (realtime/local-delivery.ts).
 */
const MEMBERS_VERSION =
  "(SELECT c.members_version FROM chats c WHERE c.id = messages.chat_id) AS members_version";

/** What an edit or delete answers and broadcasts: the message with its files and reactions (none once deleted). */
const CHANGED_MESSAGE = `${MESSAGE_COLUMNS}, ${attachmentsOf("messages")}, ${reactionsOf("messages")}, ${replyOf("messages")}, ${MEMBERS_VERSION}`;

export async function editMessage(
  ctx: DomainContext,
  userId: number,
  chatId: number,
  messageId: number,
  text: string,
): Promise<WireMessage> {
  // Every edit is pushed to every member, like a new message: it spends the send budget.
  await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(userId)]]);
  const m = await ownMessage(ctx, userId, chatId, messageId);
  // An encrypted chat's edit is a new MLS message that refers to this one (mls:send refers_to).
  if (m.kind !== "text") throw new AppError("encrypted_chat");
  if (m.deleted_at != null) throw new AppError("conflict", "The message was deleted");
  const { rows } = await ctx.db.pool.query<MessageRow & { members_version: number }>(
    `UPDATE messages SET text = $2, edited_at = now() WHERE id = $1 AND deleted_at IS NULL
     RETURNING ${CHANGED_MESSAGE}`,
    [messageId, text],
  );
  if (!rows[0]) throw new AppError("conflict", "The message was deleted");
  const message = toMessage(rows[0]);
  ctx.bus.toChat(chatId, "message:updated", message, { membersVersion: rows[0].members_version });
  return message;
}

/** Deletes my message: the row (and its seq) stays so no client sees a gap; the text goes. */
export async function deleteMessage(
  ctx: DomainContext,
  userId: number,
  chatId: number,
  messageId: number,
): Promise<WireMessage> {
  await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(userId)]]);
  const m = await ownMessage(ctx, userId, chatId, messageId);
  // Commits and proposals are the group's history: every device catching up needs them.
  if (m.kind === "mls_commit" || m.kind === "mls_proposal")
    throw new AppError("forbidden", "Handshake messages of an encrypted chat cannot be deleted");
  if (m.deleted_at != null) return toMessage(m);
  const { rows } = await ctx.db.pool.query<MessageRow & { members_version: number }>(
    `UPDATE messages SET text = '', deleted_at = now() WHERE id = $1 RETURNING ${CHANGED_MESSAGE}`,
    [messageId],
  );
  const message = toMessage(rows[0]);
  ctx.bus.toChat(chatId, "message:deleted", message, { membersVersion: rows[0].members_version });
  return message;
}

/**
 * Messages in one sync answer, all chats together; past it (or past the byte budget), chats
 * answer `has_more` and the client asks again. Bounds what one small request can make a node build.
 */
const SYNC_MAX_TOTAL = 1000;

/** JSON bytes of one chat of a sync answer besides its messages and read cursors: an upper bound. */
const SYNC_CHAT_BYTES = 160;
/** JSON bytes of one read cursor (`{"user_id":…,"last_read_seq":…},` with 10-digit numbers). */
const SYNC_CURSOR_BYTES = 50;

interface SyncChatInfo {
  chat_id: number;
  last_read_seq: number;
  fully_read_seq: number;
  last_seq: number;
  /** Members of the chat: counted only for the chats asked for (null for the others). */
  members: number | null;
}

/**
 * Catch-up after a reconnect: for each chat, what came after `after_seq`, with every member's
 * read cursor and my fully-read watermark. Without a list, every chat of mine from my cursor.
 * Refuses (not_a_member) a chat I am not in.
 *
 * The whole answer stays within ANSWER_MAX_BYTES (plus one message): each chat's entry and its
 * members' cursors count, not only the messages, so a user in thousands of chats (or in big groups)
 * cannot make a node build megabytes. Chats with news come first and are paged in one query;
 * chats with nothing new fill what the messages left. Chats left out of the answer make it say
 * `has_more`: the client asks again for those.
 */
export async function sync(
  ctx: DomainContext,
  userId: number,
  input: { chats?: { chat_id: number; after_seq: number }[]; limit?: number },
) {
  const limit = Math.min(input.limit ?? 100, SYNC_MAX_LIMIT);
  const mine = await ctx.db.pool.query<SyncChatInfo>(
    // Members are counted (for the budget) only in the chats asked for: a sync of one chat of a user
    // in thousands does not count every member of all of them.
    `SELECT m.chat_id, m.last_read_seq, m.fully_read_seq, c.last_seq,
            CASE WHEN $2::int[] IS NULL OR m.chat_id = ANY($2::int[])
                 THEN (SELECT count(*)::int FROM chat_members x WHERE x.chat_id = m.chat_id) END AS members
       FROM chat_members m JOIN chats c ON c.id = m.chat_id WHERE m.user_id = $1`,
    [userId, input.chats ? input.chats.map((c) => c.chat_id) : null],
  );
  const byChat = new Map(mine.rows.map((r) => [r.chat_id, r]));
  // One entry per chat (the earliest cursor asked for): a chat listed 1000 times is paged once.
  const earliest = new Map<number, number>();
  for (const w of input.chats ?? mine.rows.map((r) => ({ chat_id: r.chat_id, after_seq: r.last_read_seq }))) {
    earliest.set(w.chat_id, Math.min(w.after_seq, earliest.get(w.chat_id) ?? w.after_seq));
  }
  const notMine = [...earliest.keys()].filter((id) => !byChat.has(id));
  if (notMine.length > 0)
    throw new AppError("not_a_member", "You are not a member of these chats", { chat_ids: notMine });
  const wanted = [...earliest].map(([chatId, after]) => ({ info: byChat.get(chatId)!, after }));
  const news = wanted.filter((w) => w.after < w.info.last_seq);
  const quiet = wanted.filter((w) => w.after >= w.info.last_seq);

  const entryBytes = (info: SyncChatInfo) => SYNC_CHAT_BYTES + (info.members ?? 0) * SYNC_CURSOR_BYTES;
  // Chats with news, in turn, each with its entry and its messages, as far as the budget goes.
  const pages = await syncPages(ctx, news, limit, ctx.limits.answerBytes, entryBytes);
  const withNews = news.filter((w) => pages.byChat.has(w.info.chat_id));
  // Then chats with nothing new (their read cursors may have moved) in what is left.
  let bytesLeft = ctx.limits.answerBytes - pages.bytes;
  const withoutNews: typeof wanted = [];
  for (const w of quiet) {
    // The first chat always comes: an answer always moves on.
    if (withNews.length + withoutNews.length > 0 && entryBytes(w.info) > bytesLeft) break;
    bytesLeft -= entryBytes(w.info);
    withoutNews.push(w);
  }
  const answered = [...withNews, ...withoutNews];

  const cursors = new Map<number, { user_id: number; last_read_seq: number }[]>();
  if (answered.length > 0) {
    const { rows } = await ctx.db.pool.query<{ chat_id: number; user_id: number; last_read_seq: number }>(
      "SELECT chat_id, user_id, last_read_seq FROM chat_members WHERE chat_id = ANY($1::int[])",
      [answered.map((w) => w.info.chat_id)],
    );
    for (const c of rows) {
      let list = cursors.get(c.chat_id);
      if (!list) cursors.set(c.chat_id, (list = []));
      list.push({ user_id: c.user_id, last_read_seq: c.last_read_seq });
    }
  }
  const chats = answered.map(({ info, after }) => {
    const messages = pages.byChat.get(info.chat_id) ?? [];
    return {
      chat_id: info.chat_id,
      messages,
      // Seqs are gap-free: what is after the cursor and not in this answer is still to come.
      has_more: after < info.last_seq && messages.length < info.last_seq - after,
      last_seq: info.last_seq,
      read_cursors: cursors.get(info.chat_id) ?? [],
      fully_read_seq: info.fully_read_seq,
    };
  });
  return answered.length < wanted.length ? { chats, has_more: true } : { chats };
}

/**
 * The new messages of `chats` (in their order) in one query: each chat takes up to `limit`, all of
 * them together up to SYNC_MAX_TOTAL (so PostgreSQL reads no more rows than that), and the byte
 * budget is cut in SQL by a running sum over the chats in turn, each chat's entry counted with its
 * first message (the first message always comes). A chat is in the answer when that first message
 * is; `bytes` is what the kept chats and messages take.
 */
async function syncPages(
  ctx: DomainContext,
  chats: { info: SyncChatInfo; after: number }[],
  limit: number,
  budget: number,
  entryBytes: (info: SyncChatInfo) => number,
): Promise<{ byChat: Map<number, WireMessage[]>; bytes: number }> {
  const byChat = new Map<number, WireMessage[]>();
  let left = SYNC_MAX_TOTAL;
  const asked = chats.flatMap((w) => {
    const take = Math.min(limit, w.info.last_seq - w.after, left);
    left -= take;
    return take > 0 ? [{ chatId: w.info.chat_id, after: w.after, take, entry: entryBytes(w.info) }] : [];
  });
  if (asked.length === 0) return { byChat, bytes: 0 };
  const { rows } = await ctx.db.pool.query<MessageRow & { running: number }>(
    `SELECT * FROM (
       SELECT q.*, row_number() OVER w AS rn, (sum(q.size) OVER w)::int AS running FROM (
         SELECT p.*, k.ord, ${messageJsonSize("p")} + ${reactionsJsonSize("p")}
                + CASE WHEN row_number() OVER (PARTITION BY k.ord ORDER BY p.seq) = 1 THEN k.entry ELSE 0 END AS size
           FROM unnest($1::int[], $2::int[], $3::int[], $5::int[]) WITH ORDINALITY AS k(chat_id, after_seq, take, entry, ord)
          CROSS JOIN LATERAL (
            SELECT ${MESSAGE_COLUMNS}, ${attachmentsOf("messages")}, ${reactionsOf("messages")}, ${replyOf("messages")}
              FROM messages WHERE chat_id = k.chat_id AND seq > k.after_seq ORDER BY seq LIMIT k.take) p) q
       WINDOW w AS (ORDER BY q.ord, q.seq ROWS UNBOUNDED PRECEDING)) t
      WHERE t.rn = 1 OR t.running <= $4
      ORDER BY t.rn`,
    [
      asked.map((a) => a.chatId),
      asked.map((a) => a.after),
      asked.map((a) => a.take),
      budget,
      asked.map((a) => a.entry),
    ],
  );
  let bytes = 0;
  for (const r of rows) {
    let list = byChat.get(r.chat_id);
    if (!list) byChat.set(r.chat_id, (list = []));
    list.push(toMessage(r));
    bytes = Math.max(bytes, r.running);
  }
  return { byChat, bytes };
}
