import { Router, type RequestHandler } from "express";
import type { DomainContext } from "../../domain/context.ts";
import { deleteMessage, editMessage, listMessages, sendMessage } from "../../domain/messages.ts";
import { markRead } from "../../domain/receipts.ts";
import { searchMessages } from "../../domain/search.ts";
import { toggleReaction } from "../../domain/reactions.ts";
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

  bind(r, "searchMessages", [auth], ({ user, query }) => searchMessages(ctx, user.id, query));

  bind(r, "toggleReaction", [auth], async ({ user, params, body }) =>
    toggleReaction(ctx, user.id, { ...params, emoji: body.emoji }),
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

  return r;
}
