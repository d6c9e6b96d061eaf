import { AppError, textWithAttachments } from "@chat/protocol";
import type { z } from "zod";
import type { ChatSummarySchema } from "@chat/protocol";
import { canManageMembers, requireMember } from "./access.ts";
import type { DomainContext } from "./context.ts";
import { advanceWatermarks, publishReceipts } from "./receipts.ts";
import { chatRowFromModel, toChat, toMessage, type ChatRow } from "./serialize.ts";
import { MESSAGE_COLUMNS, type MessageRow } from "../store/message-row.ts";
import { ATTACHMENT_JSON_OVERHEAD, withinBudget, type BudgetedRow } from "./answer-budget.ts";
import { attachmentsOf } from "../store/attachment-row.ts";
import { reactionsOf } from "./reactions.ts";
import { replyOf } from "./replies.ts";
import { proposeDeviceRemovals } from "./mls-delivery.ts";

export type ChatSummary = z.output<typeof ChatSummarySchema>;
type Role = "owner" | "admin" | "member";

/** One plain and one encrypted private chat per pair: the encrypted one's key ends in ":e2e". */
const pairKey = (a: number, b: number, encrypted = false) =>
  `${a < b ? `${a}:${b}` : `${b}:${a}`}${encrypted ? ":e2e" : ""}`;

/** The ids of the chats the user is a member of (the socket gateway joins their rooms). */
export async function chatIdsOf(ctx: DomainContext, userId: number): Promise<number[]> {
  const { rows } = await ctx.db.pool.query<{ chat_id: number }>(
    "SELECT chat_id FROM chat_members WHERE user_id = $1",
    [userId],
  );
  return rows.map((r) => r.chat_id);
}

/**
 * My chats (or one of them) with role, cursor, unread count, member count, peer and last message,
 * most recent activity first. Within the answer byte budget, cut in SQL: past it the list stops
 * (`has_more`) and `offset` pages on.
 */
export async function listChats(
  ctx: DomainContext,
  userId: number,
  opts: { chatId?: number; offset?: number } = {},
): Promise<{ chats: ChatSummary[]; has_more: boolean }> {
  const { rows } = await ctx.db.pool.query<
    BudgetedRow<
      ChatRow & {
        role: Role;
        last_read_seq: number;
        unread_count: number;
        members_count: number;
        peer: { id: number; name: string } | null;
        last_message: MessageRow | null;
        last_message_sender: { id: number; name: string } | null;
        muted_forever: boolean;
        muted_at: Date | null;
      }
    >
  >(
    withinBudget(
      `SELECT c.id, c.type, c.name, c.owner_id, c.last_seq, c.created_at, c.activity_at, c.encrypted,
            m.role, m.last_read_seq,
            coalesce(m.muted_until = 'infinity', false) AS muted_forever,
            CASE WHEN m.muted_until <> 'infinity' AND m.muted_until > now() THEN m.muted_until END AS muted_at,
            (SELECT count(*)::int FROM messages x
              WHERE x.chat_id = c.id AND x.seq > m.last_read_seq AND x.sender_id <> m.user_id
                AND x.deleted_at IS NULL AND x.kind IN ('text', 'mls_app')) AS unread_count,
            (SELECT count(*)::int FROM chat_members y WHERE y.chat_id = c.id) AS members_count,
            CASE WHEN c.type = 'private' THEN
              (SELECT json_build_object('id', u.id, 'name', u.name) FROM chat_members p JOIN users u ON u.id = p.user_id
                WHERE p.chat_id = c.id AND p.user_id <> m.user_id LIMIT 1) END AS peer,
            (SELECT row_to_json(lm) FROM (SELECT ${MESSAGE_COLUMNS}, ${attachmentsOf("x")}, ${reactionsOf("x")}, ${replyOf("x")} FROM messages x
               WHERE x.chat_id = c.id ORDER BY x.seq DESC LIMIT 1) lm) AS last_message,
            (SELECT json_build_object('id', u.id, 'name', u.name) FROM messages x JOIN users u ON u.id = x.sender_id
              WHERE x.chat_id = c.id ORDER BY x.seq DESC LIMIT 1) AS last_message_sender
       FROM (SELECT m.chat_id FROM chat_members m JOIN chats c ON c.id = m.chat_id
              WHERE m.user_id = $1 AND ($2::int IS NULL OR c.id = $2)
              ORDER BY c.activity_at DESC, c.id DESC OFFSET $3
              LIMIT $4::int / ${CHAT_ROW_MIN_BYTES} + 2) page
       JOIN chat_members m ON m.chat_id = page.chat_id AND m.user_id = $1
       JOIN chats c ON c.id = page.chat_id
      ORDER BY c.activity_at DESC, c.id DESC`,
      // The chat's own fields, peer and counts: well under 400 bytes besides its last message. Its
      // files' JSON is in the last message's; their URLs and the (bounded) preview come on top.
      `coalesce(octet_length(p.last_message::text) + ${PREVIEW_MAX_BYTES}
         + CASE WHEN json_typeof(p.last_message->'attachments') = 'array'
           THEN ${ATTACHMENT_JSON_OVERHEAD} * json_array_length(p.last_message->'attachments') ELSE 0 END, 0)
       + coalesce(octet_length(p.name), 0) + coalesce(octet_length(p.last_message_sender::text), 0) + ${CHAT_ROW_MIN_BYTES}`,
      "p.activity_at DESC, p.id DESC",
      "$4",
    ),
    [userId, opts.chatId ?? null, opts.offset ?? 0, ctx.limits.answerBytes],
  );
  const chats = rows.map((r) => ({
    ...toChat(r),
    role: r.role,
    last_read_seq: r.last_read_seq,
    unread_count: r.unread_count,
    members_count: r.members_count,
    peer: r.peer,
    last_message: r.last_message ? toMessage(r.last_message) : null,
    last_message_preview: r.last_message ? preview(r.last_message) : null,
    last_message_sender: r.last_message ? r.last_message_sender : null,
    muted_until: r.muted_forever ? ("forever" as const) : r.muted_at ? r.muted_at.toISOString() : null,
  }));
  return { chats, has_more: rows.length > 0 && rows[0].total > rows.length };
}

/**
 * The chat list's size of a row besides its last message, name and sender: the least any row
 * counts. So no more than budget / CHAT_ROW_MIN_BYTES rows can fit a page: the page's chats are
 * chosen first (offset and that limit, plus one to tell has_more, over plain columns), and only
 * they get their counts and last messages computed, not every chat (and every skipped one) of a
 * user in thousands of them.
 */
const CHAT_ROW_MIN_BYTES = 400;

/** What the server can say of an encrypted chat's message: it cannot read it. */
export const ENCRYPTED_PREVIEW = "🔒 Encrypted message";

/** Characters of a chat list preview: a line, not the message. */
const PREVIEW_MAX_CHARS = 200;
/** Its JSON bytes at most (a character escaped as `\u00XX` is 6 bytes). */
const PREVIEW_MAX_BYTES = PREVIEW_MAX_CHARS * 6;

/**
 * The chat list's line for a message: its text, or "📎 name" (the file names) when it has files
 * and no text; "" once deleted. At most PREVIEW_MAX_CHARS characters (cut with "…").
 */
function preview(m: MessageRow): string {
  if (m.deleted_at != null) return "";
  if (m.kind !== undefined && m.kind !== "text") return ENCRYPTED_PREVIEW;
  const line = m.text === "" ? textWithAttachments("", m.attachments ?? undefined) : m.text;
  const chars = Array.from(line);
  return chars.length <= PREVIEW_MAX_CHARS ? line : `${chars.slice(0, PREVIEW_MAX_CHARS - 1).join("")}…`;
}

export async function getChat(ctx: DomainContext, userId: number, chatId: number): Promise<ChatSummary> {
  await requireMember(ctx, chatId, userId);
  const {
    chats: [chat],
  } = await listChats(ctx, userId, { chatId });
  return chat;
}

async function requireUsers(ctx: DomainContext, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await ctx.db.prisma.user.findMany({
    where: { id: { in: ids }, deletedAt: null },
    select: { id: true },
  });
  const have = new Set(found.map((u) => u.id));
  const missing = ids.filter((i) => !have.has(i));
  if (missing.length > 0) throw new AppError("user_not_found", "User not found", { user_ids: missing });
}

/**
 * Creates a chat. A private chat with a peer is unique per pair: asking again answers the
 * existing one (`created: false`). A private chat may also start alone, as in the origin, and get
 * its one peer through addMember.
 */
export async function createChat(
  ctx: DomainContext,
  ownerId: number,
  input: { name?: string; chat_type: "private" | "group"; member_ids?: number[]; encrypted?: boolean },
): Promise<{ chat: ChatSummary; created: boolean }> {
  const others = [...new Set(input.member_ids ?? [])].filter((id) => id !== ownerId);
  if (input.chat_type === "private" && (input.member_ids ?? []).includes(ownerId)) {
    throw new AppError("validation_failed", "A private chat is with someone else", [
      { path: "member_ids", message: "must not contain yourself" },
    ]);
  }
  await requireUsers(ctx, others);
  const encrypted = input.encrypted === true;
  const pair =
    input.chat_type === "private" && others.length === 1 ? pairKey(ownerId, others[0], encrypted) : null;
  if (pair) {
    const existing = await ctx.db.prisma.chat.findUnique({
      where: { privatePair: pair },
      select: { id: true },
    });
    if (existing) return { chat: await getChat(ctx, ownerId, existing.id), created: false };
  }
  let chatId: number;
  try {
    const chat = await ctx.db.prisma.chat.create({
      data: {
        type: input.chat_type,
        name: input.name ?? null,
        ownerId,
        privatePair: pair,
        encrypted,
        members: {
          create: [
            { userId: ownerId, role: "owner" },
            ...others.map((userId) => ({ userId, role: "member" as const })),
          ],
        },
      },
    });
    chatId = chat.id;
  } catch (err) {
    // Two requests for the same pair at once: the loser answers the winner's chat.
    if ((err as { code?: string }).code === "P2002" && pair) {
      const existing = await ctx.db.prisma.chat.findUniqueOrThrow({ where: { privatePair: pair } });
      return { chat: await getChat(ctx, ownerId, existing.id), created: false };
    }
    throw err;
  }
  // Logged for the nodes' room reconciliation (realtime/membership-sync.ts), like every later
  // change: a member on another node hears of the new chat even if Redis loses the publishes below.
  await ctx.db.pool.query(
    `INSERT INTO membership_changes (chat_id, user_id, kind, members_version)
     SELECT $1, u, 'added', 0 FROM unnest($2::int[]) AS u`,
    [chatId, others],
  );
  const summary = await getChat(ctx, ownerId, chatId);
  const wire = stripSummary(summary);
  for (const uid of [ownerId, ...others]) {
    ctx.bus.joinChat(uid, chatId);
    ctx.bus.toUser(uid, "chat:added", { chat: wire });
  }
  return { chat: summary, created: true };
}

/**
 * Bumps the chat's members_version and logs the change, inside the change's own transaction: the
 * version (taken under the chat row's lock, as message-writer.ts takes it) orders the change against
 * every send, and the log lets every node reconcile its sockets' rooms (realtime/membership-sync.ts)
 * whatever Redis did with the socketsJoin/socketsLeave.
 */
async function recordChange(
  query: (sql: string, params: unknown[]) => Promise<Array<{ members_version: number }>>,
  chatId: number,
  userId: number,
  kind: "added" | "removed",
): Promise<number> {
  const rows = await query(
    `WITH v AS (UPDATE chats SET members_version = members_version + 1 WHERE id = $1 RETURNING members_version)
     INSERT INTO membership_changes (chat_id, user_id, kind, members_version)
     SELECT $1, $2, $3, members_version FROM v RETURNING members_version`,
    [chatId, userId, kind],
  );
  return rows[0].members_version;
}

function stripSummary(s: ChatSummary) {
  return {
    id: s.id,
    type: s.type,
    name: s.name,
    owner_id: s.owner_id,
    last_seq: s.last_seq,
    created_at: s.created_at,
    activity_at: s.activity_at,
    encrypted: s.encrypted,
  };
}

export async function listMembers(ctx: DomainContext, userId: number, chatId: number) {
  await requireMember(ctx, chatId, userId);
  const members = await ctx.db.prisma.chatMember.findMany({
    where: { chatId },
    include: { user: { select: { id: true, name: true } } },
    orderBy: { joinedAt: "asc" },
  });
  return members.map((m) => ({
    id: m.user.id,
    name: m.user.name,
    role: m.role,
    last_read_seq: m.lastReadSeq,
    joined_at: m.joinedAt.toISOString(),
  }));
}

/**
 * Adds a member (owner/admin of a group; the creator of a private chat adds its one peer).
 * A new member's cursor starts at the chat's last seq: they do not hold back earlier receipts.
 * Adding someone who is already a member answers their membership unchanged.
 */
export async function addMember(
  ctx: DomainContext,
  actorId: number,
  chatId: number,
  userId: number,
  role: "admin" | "member" = "member",
): Promise<{ role: Role; added: boolean }> {
  const me = await requireMember(ctx, chatId, actorId);
  if (!canManageMembers(me)) throw new AppError("forbidden", "Only the owner or an admin may add members");
  if (role === "admin" && me.role !== "owner")
    throw new AppError("forbidden", "Only the owner may add admins");
  await requireUsers(ctx, [userId]);
  const out = await ctx.db.prisma
    .$transaction(async (tx) => {
      // Concurrent adds to one chat run one after the other: two peers cannot both join a private
      // chat, and the same user added twice at once finds the first add.
      await tx.$executeRaw`SELECT 1 FROM chats WHERE id = ${chatId} FOR UPDATE`;
      const chat = await tx.chat.findUniqueOrThrow({ where: { id: chatId }, include: { members: true } });
      const existing = chat.members.find((m) => m.userId === userId);
      if (existing) return { role: existing.role as Role, added: false, chat, membersVersion: 0 };
      if (chat.type === "private") {
        if (chat.members.length >= 2)
          throw new AppError("conflict", "A private chat has exactly two members");
        const pair = pairKey(chat.members[0]?.userId ?? actorId, userId, chat.encrypted);
        const other = await tx.chat.findUnique({ where: { privatePair: pair }, select: { id: true } });
        if (other)
          throw new AppError("conflict", "A private chat with this user exists", { chat_id: other.id });
        await tx.chat.update({ where: { id: chatId }, data: { privatePair: pair } });
      }
      await tx.chatMember.create({
        data: { chatId, userId, role, lastReadSeq: chat.lastSeq, fullyReadSeq: chat.lastSeq },
      });
      const membersVersion = await recordChange(
        (sql, params) => tx.$queryRawUnsafe(sql, ...params),
        chatId,
        userId,
        "added",
      );
      return { role: role as Role, added: true, chat, membersVersion };
    })
    .catch((err: unknown) => {
      // The same pair given to two lone private chats at once: the pair's unique index decides.
      if ((err as { code?: string }).code === "P2002" && me.type === "private") {
        throw new AppError("conflict", "A private chat with this user exists");
      }
      throw err;
    });
  if (out.added) {
    const wire = toChat(chatRowFromModel(out.chat));
    ctx.bus.joinChat(userId, chatId);
    ctx.bus.toUser(userId, "chat:added", { chat: wire });
    ctx.bus.toChat(
      chatId,
      "chat:updated",
      { chat: wire, change: "member_added", user_id: userId, role: out.role },
      { membersVersion: out.membersVersion },
    );
  }
  return { role: out.role, added: out.added };
}

/**
 * Removes a member (owner/admin) or lets one leave. A private chat keeps its two members.
 * When the owner leaves a group, the longest-standing remaining member becomes owner.
 * The one who left may have been holding back "fully read": watermarks are re-checked.
 */
export async function removeMember(ctx: DomainContext, actorId: number, chatId: number, userId: number) {
  const me = await requireMember(ctx, chatId, actorId);
  if (me.type === "private") throw new AppError("conflict", "Members of a private chat cannot change");
  const self = actorId === userId;
  const { membersVersion, fullyRead } = await ctx.commits.receipts.runOne(chatId, async (tx) => {
    // Every refusal comes before the first write (group-commit.ts: a job refuses only before writing).
    const target = await tx.query<{ role: Role }>(
      "SELECT role FROM chat_members WHERE chat_id = $1 AND user_id = $2",
      [chatId, userId],
    );
    const t = target.rows[0];
    if (!t) throw new AppError("user_not_found", "That user is not a member of this chat");
    if (!self) {
      if (!canManageMembers(me))
        throw new AppError("forbidden", "Only the owner or an admin may remove members");
      if (t.role === "owner" || (t.role === "admin" && me.role !== "owner")) {
        throw new AppError("forbidden", "You may not remove this member");
      }
    }
    await tx.write("DELETE FROM chat_members WHERE chat_id = $1 AND user_id = $2", [chatId, userId]);
    const membersVersion = await recordChange(
      (sql, params) => tx.write<{ members_version: number }>(sql, params).then((r) => r.rows),
      chatId,
      userId,
      "removed",
    );
    if (t.role === "owner") {
      const heir = await tx.write<{ user_id: number }>(
        `UPDATE chat_members SET role = 'owner' WHERE chat_id = $1 AND user_id =
           (SELECT user_id FROM chat_members WHERE chat_id = $1 ORDER BY (role = 'admin') DESC, joined_at, user_id LIMIT 1)
         RETURNING user_id`,
        [chatId],
      );
      await tx.write("UPDATE chats SET owner_id = $2 WHERE id = $1", [chatId, heir.rows[0]?.user_id ?? null]);
    }
    return { membersVersion, fullyRead: await advanceWatermarks(tx, chatId) };
  });
  const chat = await ctx.db.prisma.chat.findUniqueOrThrow({ where: { id: chatId } });
  ctx.bus.leaveChat(userId, chatId);
  ctx.bus.toUser(userId, "chat:removed", { chat_id: chatId });
  ctx.bus.toChat(
    chatId,
    "chat:updated",
    { chat: toChat(chatRowFromModel(chat)), change: "member_removed", user_id: userId },
    { membersVersion },
  );
  publishReceipts(ctx, chatId, null, 0, fullyRead);
  // An encrypted chat's group must lose the member's devices: the server proposes it (issue 17).
  if (chat.encrypted) await proposeDeviceRemovals(ctx, chatId, actorId);
}
