import { z } from "zod";
import { id, idParam, isoDate, MAX_PAGE, messageText, seq, seqParam } from "./common.ts";

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
  })
  .meta({ id: "Message" });

export const SendMessageBody = z
  .strictObject({ client_id: z.uuid(), text: messageText })
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
    limit: limitParam.optional(),
  })
  .refine((q) => q.before_seq === undefined || q.after_seq === undefined, {
    message: "give before_seq or after_seq, not both",
    path: ["after_seq"],
  });

export const MessagePage = z
  .object({
    messages: z.array(MessageSchema).meta({ description: "ascending by seq" }),
    has_more: z.boolean().meta({
      description:
        "more messages lie beyond this page: `limit` was reached, or the answer's byte budget (ANSWER_MAX_BYTES, about 1 MB) was, in which case the page holds fewer than `limit`",
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
