/**
 * The Socket.IO protocol: one zod schema per client→server event payload, the typed event maps
 * used by the server (`Server<ClientToServerEvents, ServerToClientEvents>`) and by packages/client.
 * Every client→server event takes an ack callback answered with an `Ack`.
 */
import { z } from "zod";
import { id, messageText, seq } from "./schemas/common.ts";
import { ChatSchema, MemberRole } from "./schemas/chats.ts";
import { checkMessageContent, messageContent, MessageSchema } from "./schemas/messages.ts";
import type { ErrorBody } from "./errors.ts";
import { KeyPackageStockSchema, mlsSendEvent, WelcomeSchema } from "./schemas/mls.ts";
import { ReactionsChanged, reactionToggleEvent, ToggleReactionResponse } from "./schemas/reactions.ts";
import { MuteResponse } from "./schemas/push.ts";
import { searchEvent, SearchResponse } from "./schemas/search.ts";

export const SYNC_MAX_LIMIT = 500;
/** Chats one `sync` may list. */
export const SYNC_MAX_CHATS = 1000;

export const clientEvents = {
  "message:send": z
    .strictObject({ chat_id: id, client_id: z.uuid(), ...messageContent })
    .superRefine(checkMessageContent)
    .meta({ id: "MessageSendEvent" }),
  "message:read": z
    .union([z.strictObject({ chat_id: id, seq }), z.strictObject({ message_id: id })])
    .meta({ id: "MessageReadEvent" }),
  "message:edit": z
    .strictObject({ chat_id: id, message_id: id, text: messageText })
    .meta({ id: "MessageEditEvent" }),
  "message:delete": z.strictObject({ chat_id: id, message_id: id }).meta({ id: "MessageDeleteEvent" }),
  typing: z.strictObject({ chat_id: id, is_typing: z.boolean() }).meta({ id: "TypingEvent" }),
  /** Toggles my reaction (one emoji) on a message, as POST .../reactions (issue 18). */
  "reaction:toggle": reactionToggleEvent,
  /** Full-text search in my chats, as GET /search (issue 18): the same answer, rate limit and bounds. */
  search: searchEvent,
  sync: z
    .strictObject({
      chats: z
        .array(z.strictObject({ chat_id: id, after_seq: seq }))
        .max(SYNC_MAX_CHATS)
        .optional()
        .meta({ description: "omit to sync every chat of mine from its read cursor" }),
      limit: z.number().int().min(1).max(SYNC_MAX_LIMIT).optional(),
    })
    .meta({ id: "SyncEvent" }),
  /**
   * An MLS message into an encrypted chat (issue 17): application messages, commits (as
   * PublicMessage, with the new epoch's GroupInfo and the Welcomes), edits (`refers_to`). Needs a
   * device socket (`auth.device_id`) in the group's membership (or joining by external commit).
   */
  "mls:send": mlsSendEvent,
  /** The Welcomes waiting for this socket's device (also pushed live as `mls:welcome`). */
  "mls:welcomes": z
    .strictObject({ limit: z.number().int().min(1).max(100).optional() })
    .meta({ id: "MlsWelcomesEvent" }),
  /** Done with these Welcomes: the server forgets them. */
  "mls:welcome_ack": z
    .strictObject({ ids: z.array(z.number().int().positive()).min(1).max(100) })
    .meta({ id: "MlsWelcomeAckEvent" }),
  /**
   * Which chat this device shows right now (visible tab, chat open), or null (hidden tab, no chat):
   * no Web Push goes to this session's devices for messages of that chat while it is shown.
   */
  "presence:viewing": z.strictObject({ chat_id: id.nullable() }).meta({ id: "PresenceViewingEvent" }),
  /**
   * Swaps the connection's access token without reconnecting (issue 15): a token of the same user
   * and the same session. The socket then lives until the new token's expiry.
   */
  "auth:renew": z.strictObject({ token: z.string().min(1).max(4096) }).meta({ id: "AuthRenewEvent" }),
  /**
   * This connection speaks for my MLS device from now on, without reconnecting (a device registered
   * after the socket opened): a live device of mine, once per connection (another one: `conflict`).
   */
  "device:bind": z.strictObject({ device_id: z.uuid() }).meta({ id: "DeviceBindEvent" }),
} as const;

export type ClientEventName = keyof typeof clientEvents;
export type ClientEventPayload<E extends ClientEventName> = z.input<(typeof clientEvents)[E]>;

export const ReadAckSchema = z
  .object({
    chat_id: z.number().int(),
    last_read_seq: z.number().int(),
    fully_read_ids: z.array(z.number().int()),
  })
  .meta({ id: "ReadAck" });

export const SyncChatSchema = z.object({
  chat_id: z.number().int(),
  messages: z.array(MessageSchema),
  has_more: z.boolean(),
  last_seq: z.number().int(),
  /** Every member's read cursor. */
  read_cursors: z.array(z.object({ user_id: z.number().int(), last_read_seq: z.number().int() })),
  /** My messages up to this seq are read by every other member. */
  fully_read_seq: z.number().int(),
});
export const SyncAckSchema = z
  .object({
    chats: z.array(SyncChatSchema),
    /**
     * The answer's byte budget (ANSWER_MAX_BYTES) left some asked-for chats out (a user in thousands
     * of chats, or in big groups: every chat's read cursors count): ask again for the chats not in
     * it, as for those whose own `has_more` is set. Absent when every chat is in the answer.
     */
    has_more: z.boolean().optional(),
    /** A device socket (`auth.device_id`): the Welcomes waiting for it (issue 17), until acknowledged. */
    welcomes: z.array(WelcomeSchema).optional(),
  })
  .meta({ id: "SyncAck" });

export const serverEvents = {
  "message:new": MessageSchema,
  /**
   * Several new messages of one chat at once, in seq order: sent instead of their `message:new` events
   * only to connections that opted in with `auth: { token, batch: true }`.
   */
  "message:batch": z
    .object({ chat_id: z.number().int(), messages: z.array(MessageSchema).min(2) })
    .meta({ id: "MessageBatch" }),
  "message:updated": MessageSchema,
  "message:deleted": MessageSchema,
  /** A message's reactions changed (someone toggled one): the whole list now. */
  "message:reactions": ReactionsChanged,
  "receipt:read": z
    .object({ chat_id: z.number().int(), user_id: z.number().int(), last_read_seq: z.number().int() })
    .meta({ id: "ReceiptRead" }),
  /**
   * Several members' read cursors of one chat at once (the latest per member, in the order they read):
   * sent instead of their `receipt:read` events only to connections that opted in with
   * `auth: { token, batch: true }`. In a big group every read goes to every member, so this is one
   * frame per member per tick instead of one per read.
   */
  "receipt:batch": z
    .object({
      chat_id: z.number().int(),
      reads: z.array(z.object({ user_id: z.number().int(), last_read_seq: z.number().int() })).min(2),
    })
    .meta({ id: "ReceiptBatch" }),
  "receipt:fully_read": z
    .object({
      chat_id: z.number().int(),
      message_ids: z.array(z.number().int()),
      up_to_seq: z.number().int(),
    })
    .meta({ id: "ReceiptFullyRead" }),
  typing: z
    .object({ chat_id: z.number().int(), user_id: z.number().int(), is_typing: z.boolean() })
    .meta({ id: "Typing" }),
  presence: z
    .object({ user_id: z.number().int(), online: z.boolean(), last_seen: z.string().nullable() })
    .meta({ id: "PresenceEvent" }),
  "chat:added": z.object({ chat: ChatSchema }).meta({ id: "ChatAdded" }),
  "chat:removed": z.object({ chat_id: z.number().int() }).meta({ id: "ChatRemoved" }),
  "chat:updated": z
    .object({
      chat: ChatSchema,
      // role_changed: `user_id` now has `role` (the owner's account ended: issue 15).
      change: z.enum(["member_added", "member_removed", "role_changed"]),
      user_id: z.number().int(),
      role: MemberRole.optional(),
    })
    .meta({ id: "ChatUpdated" }),
  /**
   * I muted or unmuted a chat (PUT /chats/{chat_id}/mute) on one of my devices: every device of mine,
   * on every node, hears the new `muted_until` (the same body the PUT answered).
   */
  "chat:muted": MuteResponse,
  "session:expired": z.object({ reason: z.string() }).meta({ id: "SessionExpired" }),
  /** A Welcome for this device (sent to the device's room). */
  "mls:welcome": WelcomeSchema,
  /** One of my devices runs low on one-time KeyPackages (sent to the owner's sockets). */
  "key_packages:low": KeyPackageStockSchema,
} as const;

export type ServerEventName = keyof typeof serverEvents;
export type ServerEventPayload<E extends ServerEventName> = z.output<(typeof serverEvents)[E]>;

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export interface ClientAckData {
  "message:send": { message: z.output<typeof MessageSchema>; duplicate: boolean };
  "message:read": z.output<typeof ReadAckSchema>;
  "message:edit": z.output<typeof MessageSchema>;
  "message:delete": z.output<typeof MessageSchema>;
  "mls:send": { message: z.output<typeof MessageSchema>; duplicate: boolean };
  "mls:welcomes": { welcomes: z.output<typeof WelcomeSchema>[] };
  "mls:welcome_ack": { deleted: number };
  typing: Record<string, never>;
  "reaction:toggle": z.output<typeof ToggleReactionResponse>;
  search: z.output<typeof SearchResponse>;
  sync: z.output<typeof SyncAckSchema>;
  /** Seconds until the new token expires (and with it this connection, unless renewed again). */
  "auth:renew": { expires_in: number };
  "presence:viewing": { chat_id: number | null };
  "device:bind": { device_id: string };
}

export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientEventPayload<E>, ack: (res: Ack<ClientAckData[E]>) => void) => void;
};
export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerEventPayload<E>) => void;
};

/**
 * `connect_error` carries `data: {code, message, retryable}` from the error catalogue; a node too
 * busy to take the handshake (`unavailable`) adds `retry_after_ms`: try again after that long.
 */
export interface ConnectErrorData {
  code: ErrorBody["code"];
  message: string;
  /** The catalogue's flag: the same handshake may succeed later. */
  retryable?: boolean;
  /** Wait at least this long before the next attempt (already jittered by the server). */
  retry_after_ms?: number;
}
