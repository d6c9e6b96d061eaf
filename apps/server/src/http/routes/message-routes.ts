import { Router, type RequestHandler } from "express";
import type { DomainContext } from "../../domain/context.ts";
import { deleteMessage, editMessage, history, listMessages, sendMessage } from "../../domain/messages.ts";
import { markMessageRead, markRead } from "../../domain/receipts.ts";
import { bind } from "../bind.ts";

export function messageRoutes(ctx: DomainContext, auth: RequestHandler): Router {
  const r = Router();
  bind(r, "listMessages", [auth], async ({ user, params, query }) =>
    listMessages(ctx, user.id, params.chat_id, query),
  );

  bind(r, "sendMessage", [auth], async ({ user, params, body, status }) => {
    const out = await sendMessage(ctx, user.id, { chat_id: params.chat_id, ...body });
    if (out.duplicate) status(200);
    return out;
  });

  bind(r, "editMessage", [auth], async ({ user, params, body }) =>
    editMessage(ctx, user.id, params.chat_id, params.message_id, body.text),
  );

  bind(r, "deleteMessage", [auth], async ({ user, params }) =>
    deleteMessage(ctx, user.id, params.chat_id, params.message_id),
  );

  bind(r, "readChat", [auth], async ({ user, params, body }) => {
    const out = await markRead(ctx, params.chat_id, user.id, body.seq);
    const fully = out.fullyRead.length > 0;
    return {
      message: fully ? `Chat ${out.chatId} read; messages fully read` : `Chat ${out.chatId} marked as read`,
      chat_id: out.chatId,
      last_read_seq: out.lastReadSeq,
      fully_read: fully,
    };
  });

  // The origin's paths.
  // The origin's answer is a bare array: whether older messages remain goes in a header.
  bind(r, "history", [auth], async ({ user, params, query, res }) => {
    const { items, has_more } = await history(ctx, user.id, params.chat_id, query);
    res.setHeader("X-Has-More", String(has_more));
    return items;
  });

  bind(r, "readMessage", [auth], async ({ user, params }) => {
    const out = await markMessageRead(ctx, params.message_id, user.id);
    return {
      message: out.fullyReadThis
        ? `Message ${params.message_id} fully read`
        : `Message ${params.message_id} marked as read`,
      chat_id: out.chatId,
      last_read_seq: out.lastReadSeq,
      fully_read: out.fullyReadThis,
    };
  });
  return r;
}
