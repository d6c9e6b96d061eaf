import { z } from "zod";
import {
  id,
  idParam,
  isBlank,
  isoDate,
  MAX_PAGE,
  MAX_TEXT,
  messageText,
  seq,
  seqParam,
  storable,
} from "./common.ts";
import { AttachmentSchema, attachmentIds } from "./attachments.ts";
import { MlsPartSchema } from "./mls.ts";
import { reactionList } from "./reactions.ts";

/** Characters of the quoted text a reply carries. */
export const REPLY_SNIPPET = 100;

export const MessageSchema = z
  .object({
    id: z.number().int(),
    chat_id: z.number().int(),
    seq: z.number().int(),
    sender_id: z.number().int(),
    client_id: z.string(),
    text: z.string(),
    created_at: isoDate,
    edited_at: isoDate.nullable(),
    deleted_at: isoDate.nullable(),
    /**
     * Omitted when the message has no files (most messages: every fan-out stays as small as
     * before), and on a deleted message. In the order they were sent.
     */
    attachments: z.array(AttachmentSchema).optional().meta({
      description:
        "the message's files in the order sent; omitted when it has none (and on a deleted message): read a missing field as []",
    }),
    /** Only in an encrypted chat (and not once deleted): the MLS message; `text` is then "". */
    mls: MlsPartSchema.optional(),
    reply_to: z
      .object({
        id: z.number().int(),
        seq: z.number().int(),
        sender_id: z.number().int(),
        snippet: z.string().meta({
          description: `the quoted message's text as it is now (edits show), its first ${REPLY_SNIPPET} characters; "" once deleted`,
        }),
        deleted: z.boolean().meta({ description: 'the quoted message was deleted: show "deleted message"' }),
      })
      .optional()
      .meta({
        id: "ReplyQuote",
        description: "the message this one replies to (same chat); omitted when none",
      }),
    reactions: reactionList.optional().meta({
      description:
        "emoji reactions, first added first; omitted when there are none (and on a deleted message): read a missing field as []; `message:reactions` brings changes",
    }),
  })
  .meta({ id: "Message" });

/**
 * What a send carries: a text, files (`attachment_ids`), or both. Without files the text rules
 * are those of every message (1..4000 characters, not blank); with files the text may be empty
 * or left out.
 */
export const messageContent = {
  text: storable(z.string().max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`))
    .optional()
    .meta({
      description: "1..4000 characters, not blank; may be empty or left out when `attachment_ids` is given",
    }),
  reply_to: id.optional().meta({
    description: "the id of a message of the same chat (not deleted) this one replies to",
  }),
  attachment_ids: attachmentIds.optional().meta({
    description:
      "up to 10 distinct ids of my own uploads, ready and not yet attached to a message (else `attachment_unusable`, nothing stored)",
  }),
};

/** The text rule of a send (see `messageContent`), as a refinement of the send's object. */
export function checkMessageContent(b: { text?: string; attachment_ids?: string[] }, ctx: z.RefinementCtx) {
  const withFiles = (b.attachment_ids?.length ?? 0) > 0;
  if (b.text === undefined) {
    if (!withFiles)
      ctx.addIssue({
        code: "custom",
        path: ["text"],
        message: "is required (unless attachment_ids is given)",
      });
  } else if (typeof b.text === "string" && !(withFiles && b.text === "")) {
    // Storable and length are the field's own checks; what a text-only message adds:
    if (b.text === "") ctx.addIssue({ code: "custom", path: ["text"], message: "must not be empty" });
    else if (isBlank(b.text)) ctx.addIssue({ code: "custom", path: ["text"], message: "must not be blank" });
  }
}

export const SendMessageBody = z
  .strictObject({ client_id: z.uuid(), ...messageContent })
  .superRefine(checkMessageContent)
  .meta({ id: "SendMessageBody" });

export const SendMessageResponse = z
  .object({
    message: MessageSchema,
    /** true when this client_id was already stored: the first message is returned, nothing new is sent. */
    duplicate: z.boolean(),
  })
  .meta({ id: "SendMessageResponse" });

export const EditMessageBody = z.strictObject({ text: messageText }).meta({ id: "EditMessageBody" });

export const MessageParams = z.strictObject({ chat_id: idParam, message_id: idParam });

const limitParam = z
  .string()
  .regex(/^[0-9]{1,4}$/, "must be an integer")
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_PAGE, `must be at most ${MAX_PAGE}`));

export const MessagesQuery = z
  .strictObject({
    before_seq: seqParam.optional(),
    after_seq: seqParam.optional(),
    around_seq: seqParam.optional().meta({
      description:
        "a window around this seq (a search result or a quote opened in its context): the message itself and up to half of `limit` before it, the rest after it; `has_more` then says older messages remain, `has_more_after` newer ones",
    }),
    limit: limitParam.optional(),
  })
  .refine((q) => [q.before_seq, q.after_seq, q.around_seq].filter((x) => x !== undefined).length <= 1, {
    message: "give one of before_seq, after_seq or around_seq",
    path: ["after_seq"],
  });

export const MessagePage = z
  .object({
    messages: z.array(MessageSchema).meta({ description: "ascending by seq" }),
    has_more: z.boolean().meta({
      description:
        "more messages lie beyond this page: `limit` was reached, or the answer's byte budget (ANSWER_MAX_BYTES, about 1 MB) was, in which case the page holds fewer than `limit`",
    }),
    has_more_after: z.boolean().optional().meta({
      description:
        "only with `around_seq`: newer messages lie after this window (page on with `after_seq`); `has_more` then speaks of older ones",
    }),
  })
  .meta({ id: "MessagePage" });

/** The origin's `GET /history/{chat_id}?limit=&offset=`: newest page first, offset counts back. */
export const HistoryQuery = z.strictObject({
  limit: limitParam.optional(),
  offset: z
    .string()
    .regex(/^[0-9]{1,9}$/, "must be a non-negative integer")
    .transform(Number)
    .optional(),
});

export const HistoryItem = z
  .object({
    id: z.number().int(),
    chat_id: z.number().int(),
    seq: z.number().int(),
    sender_id: z.number().int(),
    text: z.string(),
    timestamp: isoDate,
    /** Read by every other member of the chat. */
    read: z.boolean(),
  })
  .meta({ id: "HistoryItem" });

export const HistoryResponse = z.array(HistoryItem).meta({
  id: "History",
  description:
    "Oldest first. Within the answer byte budget (ANSWER_MAX_BYTES, about 1 MB): it may hold fewer than `limit` items; the `X-Has-More: true|false` header says whether older messages remain (ask again with `offset` + the number of items received)",
});

export const ReadMessageParams = z.strictObject({ message_id: idParam });
export const ReadChatBody = z.strictObject({ seq }).meta({ id: "ReadChatBody" });

export const ReadResponse = z
  .object({
    message: z.string(),
    chat_id: z.number().int(),
    last_read_seq: z.number().int(),
    /** true only for the read that made this message read by every other member. */
    fully_read: z.boolean(),
  })
  .meta({ id: "ReadResponse" });
