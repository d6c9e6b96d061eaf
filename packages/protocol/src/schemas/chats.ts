import { z } from "zod";
import { id, idParam, isoDate, storable } from "./common.ts";
import { PublicUserSchema } from "./auth.ts";
import { MessageSchema } from "./messages.ts";

export const ChatType = z.enum(["private", "group"]);
export const MemberRole = z.enum(["owner", "admin", "member"]);

export const CreateChatBody = z
  .strictObject({
    name: storable(z.string().trim().min(1).max(100)).optional(),
    chat_type: ChatType,
    /** For a private chat: the one other person. For a group: the first members besides you. */
    member_ids: z.array(id).max(100).optional(),
    encrypted: z.boolean().optional().meta({
      description:
        "end-to-end encrypted with MLS, for good: the server stores and relays only MLS messages (a pair may have one plain and one encrypted private chat)",
    }),
  })
  .refine((b) => b.chat_type === "private" || b.name !== undefined, {
    message: "a group needs a name",
    path: ["name"],
  })
  .refine((b) => b.chat_type === "group" || (b.member_ids?.length ?? 0) <= 1, {
    message: "a private chat has exactly one other member",
    path: ["member_ids"],
  })
  .meta({ id: "CreateChatBody" });

export const ChatSchema = z
  .object({
    id: z.number().int(),
    type: ChatType,
    name: z.string().nullable(),
    owner_id: z.number().int().nullable(),
    last_seq: z.number().int(),
    created_at: isoDate,
    activity_at: isoDate,
    /** End-to-end encrypted (MLS): messages carry `mls`, never text. */
    encrypted: z
      .boolean()
      .optional()
      .meta({ description: "always sent; true for an end-to-end encrypted chat" }),
  })
  .meta({ id: "Chat" });

export const ChatSummarySchema = ChatSchema.extend({
  role: MemberRole,
  last_read_seq: z.number().int(),
  unread_count: z.number().int(),
  members_count: z.number().int(),
  /** The other person of a private chat. */
  peer: PublicUserSchema.nullable(),
  last_message: MessageSchema.nullable(),
  /**
   * The last message as one line of text for the chat list: its text, or "📎 name" (the file names)
   * when it has files and no text; "" when it was deleted; null when the chat has no message.
   */
  last_message_preview: z.string().nullable(),
  /** Who wrote the last message (id and name), so a list shows "Bob: …" before the chat is opened. */
  last_message_sender: PublicUserSchema.nullable(),
  /** My mute of this chat's pushes and notifications (PUT /chats/{chat_id}/mute). */
  muted_until: z
    .union([isoDate, z.literal("forever"), z.null()])
    .optional()
    .meta({
      description:
        'always sent: until when I muted the chat, "forever", or null (not muted, or the mute has run out)',
    }),
}).meta({ id: "ChatSummary" });

export const ChatListResponse = z
  .object({
    chats: z.array(ChatSummarySchema),
    has_more: z.boolean().meta({
      description:
        "the list stopped early at the answer's byte budget (ANSWER_MAX_BYTES, about 1 MB, mostly last messages): ask again with `offset` = the chats received so far",
    }),
  })
  .meta({ id: "ChatList" });

/** `GET /chats?offset=N`: skip the first N chats (in the list's order), to page past the byte budget. */
export const ListChatsQuery = z.strictObject({
  offset: z
    .string()
    .regex(/^[0-9]{1,9}$/, "must be a non-negative integer")
    .transform(Number)
    .optional(),
});

export const CreateChatResponse = z
  .object({ message: z.string(), chat_id: z.number().int(), chat: ChatSummarySchema })
  .meta({ id: "CreateChatResponse" });

export const ChatIdParams = z.strictObject({ chat_id: idParam });
export const ChatMemberParams = z.strictObject({ chat_id: idParam, user_id: idParam });

/** The origin passes `?user_id=N`; a JSON body `{user_id, role}` works too. */
export const AddMemberQuery = z.strictObject({ user_id: idParam.optional() });
export const AddMemberBody = z
  .strictObject({ user_id: id.optional(), role: z.enum(["admin", "member"]).optional() })
  .meta({ id: "AddMemberBody" });

export const AddMemberResponse = z
  .object({
    message: z.string(),
    chat_id: z.number().int(),
    user_id: z.number().int(),
    role: MemberRole,
  })
  .meta({ id: "AddMemberResponse" });

export const MemberSchema = PublicUserSchema.extend({
  role: MemberRole,
  last_read_seq: z.number().int(),
  joined_at: isoDate,
}).meta({ id: "Member" });

export const MembersResponse = z
  .object({ chat_id: z.number().int(), members: z.array(MemberSchema) })
  .meta({ id: "MemberList" });

export const RemoveMemberResponse = z
  .object({ message: z.string(), chat_id: z.number().int(), user_id: z.number().int() })
  .meta({ id: "RemoveMemberResponse" });
