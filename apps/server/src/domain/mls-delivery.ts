/**
 * The server as the MLS Delivery Service of encrypted chats (issue 17; RFC 9420 and RFC 9750's
 * roles). Handshake and application messages share the chat's `seq`. What the server checks comes
 * from the MLS framing, decoded with ts-mls (mls/framing.ts), never from the client's word:
 *
 * - group id = `chat:<id>`; the chat's epoch is the server's: exactly one commit per epoch is
 *   accepted (the first; any other gets the retryable `epoch_conflict`), application messages must
 *   carry the current epoch or, for EPOCH_GRACE_MS after a commit, the previous one.
 * - Commits must be PublicMessages and come with the new epoch's GroupInfo (with the ratchet tree,
 *   signed by the committer): the server reads the new membership from that tree. Every leaf must
 *   be a live registered device (same signature key) of a current chat member, so membership in the
 *   database and in the MLS group cannot drift: a commit that keeps a removed member's or removed
 *   device's leaf is refused with `epoch_conflict` naming the devices to remove (the server has put
 *   Remove proposals for them in the chat's seq, as the group's external sender).
 * - Application messages come only from a device in the group's current membership (the socket's
 *   device, checked at the handshake and again here).
 *
 * What the server cannot check without the group's secrets: that the GroupInfo is the one the
 * commit produces (the confirmation tag), and that a PrivateMessage's hidden sender is the socket's
 * device. Members check both (ts-mls does when it processes the commit / message).
 */
import { AppError, mlsGroupId, type mlsSendEvent } from "@chat/protocol";
import type { z } from "zod";
import type { DomainContext } from "./context.ts";
import { enforce } from "../cluster/rate-limit.ts";
import { toMessage, type WireMessage } from "./serialize.ts";
import { MESSAGE_COLUMNS, messageColumnsOf, type MessageRow } from "../store/message-row.ts";
import { attachmentsOf } from "../store/attachment-row.ts";
import { linkUploads, lockEncryptedUploads } from "./mls-attachments.ts";
import type { Tx, LockedChat } from "../store/group-commit.ts";
import {
  decodeMls,
  framingOf,
  listsExternalSender,
  readGroupInfo,
  removedLeafOf,
  type ReadGroupInfo,
} from "../mls/framing.ts";
import { serverKey, serverRemoveProposal } from "../mls/server-key.ts";
import { requireMember } from "./access.ts";

/** How long after a commit an application message of the epoch before is still taken. */
export const EPOCH_GRACE_MS = 30_000;

type MlsSend = z.output<typeof mlsSendEvent>;
type Kind = "mls_app" | "mls_commit" | "mls_proposal";

interface Checked {
  kind: Kind;
  epoch: bigint;
  senderType?: string;
  groupInfo?: ReadGroupInfo;
  welcomes: { device_id: string; data: string }[];
}

/** What can be checked before the chat's lock: the bytes themselves. */
async function checkBytes(
  ctx: DomainContext,
  userId: number,
  deviceId: string,
  p: MlsSend,
): Promise<Checked> {
  const chatId = p.chat_id;
  const f = framingOf(decodeMls(p.data));
  if (f.groupId !== mlsGroupId(chatId))
    throw new AppError("mls_rejected", "The message is for another group");
  if (f.epoch > BigInt(Number.MAX_SAFE_INTEGER))
    throw new AppError("mls_rejected", "The epoch is out of range");
  if (f.contentType === "application") {
    if (f.wireformat !== "private")
      throw new AppError("mls_rejected", "Application messages must be PrivateMessages");
    if (p.group_info !== undefined || p.welcomes !== undefined)
      throw new AppError("validation_failed", "group_info and welcomes go with a commit");
    if (p.refers_to !== undefined && p.attachment_ids?.length)
      throw new AppError("validation_failed", "An edit keeps the files of the message it replaces");
    return { kind: "mls_app", epoch: f.epoch, welcomes: [] };
  }
  if (f.contentType === "proposal")
    throw new AppError(
      "mls_rejected",
      "Proposals are not relayed: commit them (with the server's pending ones)",
    );
  // A commit: public, so the Delivery Service can read who commits what.
  if (f.wireformat !== "public")
    throw new AppError(
      "mls_rejected",
      "Commits must be PublicMessages, so the Delivery Service can check them",
    );
  if (f.senderType !== "member" && f.senderType !== "new_member_commit")
    throw new AppError("mls_rejected", "A commit comes from a member or a joining device");
  if (p.refers_to !== undefined || p.attachment_ids !== undefined)
    throw new AppError("validation_failed", "refers_to and attachment_ids go with an application message");
  if (p.group_info === undefined)
    throw new AppError("mls_rejected", "A commit needs the new epoch's GroupInfo (group_info)");
  const gi = await readGroupInfo(p.group_info);
  if (gi.groupId !== mlsGroupId(chatId))
    throw new AppError("mls_rejected", "The GroupInfo is for another group");
  if (gi.epoch !== f.epoch + 1n)
    throw new AppError("mls_rejected", "The GroupInfo is not of the commit's next epoch");
  if (gi.signer.deviceId !== deviceId.toLowerCase() || gi.signer.userId !== userId)
    throw new AppError("mls_rejected", "The GroupInfo must be signed by the committing device");
  if (f.senderType === "member" && f.leafIndex !== gi.signer.leafIndex)
    throw new AppError("mls_rejected", "The commit's sender is not the GroupInfo's signer");
  if (!listsExternalSender(gi.groupInfo, (await serverKey(ctx.db.pool)).publicKey))
    throw new AppError(
      "mls_rejected",
      "The group must list the server as an external sender (GET /api/v1/mls/external-sender)",
    );
  const inTree = new Set(gi.members.map((m) => m.deviceId));
  if (inTree.size !== gi.members.length)
    throw new AppError("mls_rejected", "A device appears twice in the tree");
  const welcomes = p.welcomes ?? [];
  for (const w of welcomes) {
    if (!inTree.has(w.device_id.toLowerCase()))
      throw new AppError("mls_rejected", "A Welcome is for a device outside the new group");
    if (decodeMls(w.data).wireformat !== "mls_welcome") throw new AppError("mls_rejected", "Not a Welcome");
  }
  return { kind: "mls_commit", epoch: f.epoch, senderType: f.senderType, groupInfo: gi, welcomes };
}

interface ChatState {
  encrypted: boolean;
  mls_epoch: string;
  fresh_epoch: boolean;
  last_seq: number;
}

/**
 * An MLS message into an encrypted chat, from the socket's device. Idempotent on (chat, sender,
 * client_id) like every send; a new one is broadcast, its Welcomes pushed to their devices.
 */
export async function sendMls(
  ctx: DomainContext,
  userId: number,
  deviceId: string | undefined,
  p: MlsSend,
): Promise<{ message: WireMessage; duplicate: boolean }> {
  if (!deviceId) throw new AppError("device_required");
  await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(userId)]]);
  const checked = await checkBytes(ctx, userId, deviceId, p);
  const out = await ctx.commits.messages
    .runOne(p.chat_id, async (tx, locked) => {
      const chat = (
        await tx.query<ChatState>(
          `SELECT encrypted, mls_epoch, mls_epoch_at > now() - make_interval(secs => $2) AS fresh_epoch, last_seq
           FROM chats WHERE id = $1`,
          [p.chat_id, EPOCH_GRACE_MS / 1000],
        )
      ).rows[0];
      if (!chat) throw new AppError("chat_not_found");
      if (!chat.encrypted) throw new AppError("conflict", "This chat is not end-to-end encrypted");
      const facts = (
        await tx.query<{
          member: boolean;
          in_group: boolean;
          group_size: number;
          live_device: boolean;
          stale: string[];
        }>(
          `SELECT EXISTS (SELECT 1 FROM chat_members WHERE chat_id = $1 AND user_id = $2) AS member,
                ARRAY(SELECT m.device_id::text FROM ${STALE_MEMBERS} ORDER BY m.leaf_index) AS stale,
                EXISTS (SELECT 1 FROM mls_members WHERE chat_id = $1 AND device_id = $3) AS in_group,
                (SELECT count(*)::int FROM mls_members WHERE chat_id = $1) AS group_size,
                EXISTS (SELECT 1 FROM devices WHERE id = $3 AND user_id = $2 AND removed_at IS NULL) AS live_device`,
          [p.chat_id, userId, deviceId],
        )
      ).rows[0];
      if (!facts.member) throw new AppError("not_a_member");
      const stored = await tx.query<MessageRow>(
        `SELECT ${messageColumnsOf("m")}, ${attachmentsOf("m")}
         FROM messages m WHERE m.chat_id = $1 AND m.sender_id = $2 AND m.client_id = $3`,
        [p.chat_id, userId, p.client_id],
      );
      if (stored.rows[0])
        return {
          row: stored.rows[0],
          duplicate: true,
          membersVersion: locked.get(p.chat_id)!.membersVersion,
          welcomes: [],
        };
      if (!facts.live_device) throw new AppError("device_required", "This device was removed");
      const epoch = BigInt(chat.mls_epoch);
      let files: Awaited<ReturnType<typeof lockEncryptedUploads>> = [];
      if (checked.kind === "mls_app") {
        if (!facts.in_group) throw new AppError("forbidden", "This device is not in the chat's MLS group");
        const current = checked.epoch === epoch || (checked.epoch + 1n === epoch && chat.fresh_epoch);
        if (checked.epoch > epoch)
          throw new AppError("mls_rejected", "The message is of an epoch not reached yet");
        if (!current) throw new AppError("epoch_conflict", undefined, { epoch: Number(epoch) });
        // Nothing is said to a group that still holds devices that should be gone: they would read it.
        if (facts.stale.length > 0) throw new StaleMembers(epoch, facts.stale);
        if (p.refers_to !== undefined) await requireOwnApplicationMessage(tx, p.chat_id, userId, p.refers_to);
        files = await lockEncryptedUploads(tx, userId, p.attachment_ids ?? []);
      } else {
        // The group's first commit (epoch 0, nobody known yet) may come from any member's device;
        // later ones from a device in the group, or one joining by external commit.
        if (checked.senderType === "member" && !facts.in_group && facts.group_size > 0)
          throw new AppError("forbidden", "This device is not in the chat's MLS group");
        if (checked.epoch !== epoch)
          throw new AppError("epoch_conflict", undefined, { epoch: Number(epoch) });
        await requireConsistentTree(tx, p.chat_id, checked.groupInfo!);
      }
      const out = await insert(tx, locked.get(p.chat_id)!, chat, userId, deviceId, p, checked);
      if (files.length > 0) {
        await linkUploads(
          tx,
          out.row.id,
          p.chat_id,
          files.map((f) => f.id),
        );
        out.row.attachments = files;
      }
      return out;
    })
    .catch(async (err: unknown) => {
      if (!(err instanceof StaleMembers)) throw err;
      // The Remove proposals may never have been made (best effort) or be of an older epoch:
      // make sure they are in the seq before the sender catches up, commits them and sends again.
      await proposeDeviceRemovals(ctx, p.chat_id, userId);
      throw new AppError("epoch_conflict", "Devices that left the chat must be removed first", {
        epoch: Number(err.epoch),
        remove_devices: err.devices,
      });
    });
  const message = toMessage(out.row);
  if (!out.duplicate) {
    ctx.bus.toChat(p.chat_id, "message:new", message, { membersVersion: out.membersVersion });
    // A new application message is pushed (without content); commits and edits are not.
    if (message.mls?.kind === "application" && message.mls.refers_to === undefined) ctx.push?.stored(message);
    for (const w of out.welcomes ?? []) ctx.bus.toDevice(w.device_id, "mls:welcome", w.welcome);
  }
  return { message, duplicate: out.duplicate };
}

/** An application message met leaves that should be gone: answered once their removal is proposed. */
class StaleMembers extends Error {
  constructor(
    readonly epoch: bigint,
    readonly devices: string[],
  ) {
    super("stale MLS members");
  }
}

/**
 * The group's leaves (`mls_members m`) that no longer belong: a removed or unknown device, or a
 * user who is no longer a member of the chat ($1).
 */
const STALE_MEMBERS = `mls_members m LEFT JOIN devices d ON d.id = m.device_id
  WHERE m.chat_id = $1 AND (d.removed_at IS NOT NULL OR d.id IS NULL
        OR NOT EXISTS (SELECT 1 FROM chat_members cm WHERE cm.chat_id = $1 AND cm.user_id = m.user_id))`;

async function requireOwnApplicationMessage(tx: Tx, chatId: number, userId: number, messageId: number) {
  const { rows } = await tx.query<{ sender_id: number; kind: string; deleted: boolean }>(
    "SELECT sender_id, kind, deleted_at IS NOT NULL AS deleted FROM messages WHERE id = $1 AND chat_id = $2",
    [messageId, chatId],
  );
  const m = rows[0];
  if (!m || m.kind !== "mls_app") throw new AppError("message_not_found");
  if (m.sender_id !== userId) throw new AppError("forbidden", "You may only change your own messages");
  if (m.deleted) throw new AppError("conflict", "The message was deleted");
}

/**
 * The new epoch's members (the GroupInfo's tree) must be live devices, with their registered keys,
 * of the chat's current members. A leaf of a removed member or device: `epoch_conflict` naming
 * them (the committer processes the server's Remove proposals and commits again); anything else
 * that does not match the registry: `mls_rejected`.
 */
async function requireConsistentTree(tx: Tx, chatId: number, gi: ReadGroupInfo) {
  const { rows } = await tx.query<{
    id: string;
    user_id: number;
    signature_key: string;
    removed: boolean;
    member: boolean;
  }>(
    `SELECT d.id, d.user_id, d.signature_key, d.removed_at IS NOT NULL AS removed,
            EXISTS (SELECT 1 FROM chat_members cm WHERE cm.chat_id = $1 AND cm.user_id = d.user_id) AS member
       FROM devices d WHERE d.id = ANY($2::uuid[])`,
    [chatId, gi.members.map((m) => m.deviceId)],
  );
  const known = new Map(rows.map((r) => [r.id, r]));
  const stale: string[] = [];
  for (const m of gi.members) {
    const d = known.get(m.deviceId);
    if (!d || d.user_id !== m.userId || d.signature_key !== m.signatureKey)
      throw new AppError("mls_rejected", "A leaf is not a registered device with its key", {
        device_id: m.deviceId,
      });
    if (d.removed || !d.member) stale.push(m.deviceId);
  }
  if (stale.length > 0)
    throw new AppError("epoch_conflict", "Devices that left the chat must be removed in this commit", {
      remove_devices: stale,
    });
}

async function insert(
  tx: Tx,
  locked: LockedChat,
  chat: ChatState,
  userId: number,
  deviceId: string,
  p: MlsSend,
  checked: Checked,
) {
  // Another handler of this batch may have handed out seqs already: go on from the higher.
  const seq = Math.max(locked.lastSeq, chat.last_seq) + 1;
  const { rows } = await tx.write<MessageRow>(
    `WITH ins AS (
       INSERT INTO messages (chat_id, seq, sender_id, client_id, text, kind, epoch, sender_device, refers_to)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${MESSAGE_COLUMNS}),
     upd AS (UPDATE chats SET last_seq = $2, activity_at = now() WHERE id = $1)
     SELECT * FROM ins`,
    [
      p.chat_id,
      seq,
      userId,
      p.client_id,
      p.data,
      checked.kind,
      checked.epoch.toString(),
      deviceId,
      p.refers_to ?? null,
    ],
  );
  locked.lastSeq = seq;
  const welcomes: {
    device_id: string;
    welcome: { id: number; chat_id: number; epoch: number; data: string };
  }[] = [];
  const gi = checked.groupInfo;
  if (gi) {
    await tx.write(
      `UPDATE chats SET mls_epoch = $2, mls_epoch_at = now(), mls_group_info = $3 WHERE id = $1`,
      [p.chat_id, gi.epoch.toString(), p.group_info],
    );
    await tx.write("DELETE FROM mls_members WHERE chat_id = $1", [p.chat_id]);
    await tx.write(
      `INSERT INTO mls_members (chat_id, device_id, user_id, leaf_index)
       SELECT $1, * FROM unnest($2::uuid[], $3::int[], $4::int[])`,
      [
        p.chat_id,
        gi.members.map((m) => m.deviceId),
        gi.members.map((m) => m.userId),
        gi.members.map((m) => m.leafIndex),
      ],
    );
    if (checked.welcomes.length > 0) {
      const w = await tx.write<{ id: string; device_id: string; data: string }>(
        `INSERT INTO mls_welcomes (chat_id, device_id, epoch, data)
         SELECT $1, d, $2, x FROM unnest($3::uuid[], $4::text[]) AS u(d, x) RETURNING id, device_id, data`,
        [
          p.chat_id,
          gi.epoch.toString(),
          checked.welcomes.map((x) => x.device_id),
          checked.welcomes.map((x) => x.data),
        ],
      );
      for (const r of w.rows)
        welcomes.push({
          device_id: r.device_id,
          welcome: { id: Number(r.id), chat_id: p.chat_id, epoch: Number(gi.epoch), data: r.data },
        });
    }
  }
  return { row: rows[0], duplicate: false, membersVersion: locked.membersVersion, welcomes };
}

/** The Welcomes waiting for a device (oldest first, at most 100). */
export async function pendingWelcomes(
  ctx: DomainContext,
  userId: number,
  deviceId: string | undefined,
  limit = 100,
) {
  if (!deviceId) throw new AppError("device_required");
  const { rows } = await ctx.db.pool.query<{ id: string; chat_id: number; epoch: string; data: string }>(
    `SELECT w.id, w.chat_id, w.epoch, w.data FROM mls_welcomes w JOIN devices d ON d.id = w.device_id
      WHERE w.device_id = $1 AND d.user_id = $2 ORDER BY w.id LIMIT $3`,
    [deviceId, userId, limit],
  );
  return {
    welcomes: rows.map((r) => ({
      id: Number(r.id),
      chat_id: r.chat_id,
      epoch: Number(r.epoch),
      data: r.data,
    })),
  };
}

export async function ackWelcomes(
  ctx: DomainContext,
  userId: number,
  deviceId: string | undefined,
  ids: number[],
) {
  if (!deviceId) throw new AppError("device_required");
  const { rowCount } = await ctx.db.pool.query(
    `DELETE FROM mls_welcomes w USING devices d
      WHERE d.id = w.device_id AND w.device_id = $1 AND d.user_id = $2 AND w.id = ANY($3::bigint[])`,
    [deviceId, userId, ids],
  );
  return { deleted: rowCount ?? 0 };
}

/** The latest GroupInfo of an encrypted chat of mine. */
export async function groupInfo(ctx: DomainContext, userId: number, chatId: number) {
  await requireMember(ctx, chatId, userId);
  const { rows } = await ctx.db.pool.query<{
    encrypted: boolean;
    mls_epoch: string;
    mls_group_info: string | null;
  }>("SELECT encrypted, mls_epoch, mls_group_info FROM chats WHERE id = $1", [chatId]);
  if (!rows[0]?.encrypted) throw new AppError("conflict", "This chat is not end-to-end encrypted");
  return { chat_id: chatId, epoch: Number(rows[0].mls_epoch), group_info: rows[0].mls_group_info };
}

export async function externalSender(ctx: DomainContext) {
  const k = await serverKey(ctx.db.pool);
  return { signature_key: Buffer.from(k.publicKey).toString("base64"), external_sender: k.externalSender };
}

/** Removal proposals in every encrypted chat whose group holds a device of `userId` (who left or is gone). */
export async function proposeRemovalsOfUser(
  ctx: DomainContext,
  userId: number,
  actorId: number,
): Promise<void> {
  const { rows } = await ctx.db.pool.query<{ chat_id: number }>(
    "SELECT DISTINCT chat_id FROM mls_members WHERE user_id = $1",
    [userId],
  );
  for (const r of rows) await proposeDeviceRemovals(ctx, r.chat_id, actorId);
}

/**
 * After the database's membership changed (a member removed or left, an account deleted, a device
 * removed): the server, as the group's external sender, puts a Remove proposal for each leaf of the
 * group that no longer belongs into the chat's seq, for the current epoch (under the chat's lock,
 * so no commit moves the epoch meanwhile). `actorId` is who caused it (the message's sender).
 * Best effort: the commit check (requireConsistentTree) holds the line even if this fails.
 */
export async function proposeDeviceRemovals(
  ctx: DomainContext,
  chatId: number,
  actorId: number,
): Promise<void> {
  try {
    const key = await serverKey(ctx.db.pool);
    const out = await ctx.commits.messages.runOne(chatId, async (tx, locked) => {
      const chat = (
        await tx.query<ChatState & { mls_group_info: string | null }>(
          "SELECT encrypted, mls_epoch, false AS fresh_epoch, last_seq, mls_group_info FROM chats WHERE id = $1",
          [chatId],
        )
      ).rows[0];
      if (!chat?.encrypted || !chat.mls_group_info) return [];
      const stale = await tx.query<{ leaf_index: number }>(
        `SELECT m.leaf_index FROM ${STALE_MEMBERS} ORDER BY m.leaf_index`,
        [chatId],
      );
      if (stale.rows.length === 0) return [];
      // A leaf whose removal this epoch already holds is not proposed twice (a commit may not
      // remove a leaf twice): sends keep asking for them until somebody commits.
      const proposed = await tx.query<{ text: string }>(
        "SELECT text FROM messages WHERE chat_id = $1 AND kind = 'mls_proposal' AND epoch = $2 AND text IS NOT NULL",
        [chatId, chat.mls_epoch],
      );
      const done = new Set(proposed.rows.map((r) => removedLeafOf(r.text)));
      const leaves = stale.rows.map((r) => r.leaf_index).filter((l) => !done.has(l));
      if (leaves.length === 0) return [];
      // Every proposal is made before the first write (a job may refuse only before it writes).
      const gi = (await readGroupInfo(chat.mls_group_info)).groupInfo;
      const proposals: string[] = [];
      for (const leaf of leaves) proposals.push(await serverRemoveProposal(key, gi, leaf));
      const rows: MessageRow[] = [];
      for (const data of proposals) {
        const seq = Math.max(locked.get(chatId)!.lastSeq, chat.last_seq, ...rows.map((r) => r.seq)) + 1;
        const ins = await tx.write<MessageRow>(
          `WITH ins AS (
             INSERT INTO messages (chat_id, seq, sender_id, client_id, text, kind, epoch)
             VALUES ($1, $2, $3, gen_random_uuid(), $4, 'mls_proposal', $5) RETURNING ${MESSAGE_COLUMNS}),
           upd AS (UPDATE chats SET last_seq = $2, activity_at = now() WHERE id = $1)
           SELECT * FROM ins`,
          [chatId, seq, actorId, data, chat.mls_epoch],
        );
        rows.push(ins.rows[0]);
        locked.get(chatId)!.lastSeq = seq;
      }
      return rows.map((r) => ({ row: r, membersVersion: locked.get(chatId)!.membersVersion }));
    });
    for (const o of out)
      ctx.bus.toChat(chatId, "message:new", toMessage(o.row), { membersVersion: o.membersVersion });
  } catch (err) {
    ctx.log.warn({ err, chatId }, "could not propose MLS removals");
  }
}
