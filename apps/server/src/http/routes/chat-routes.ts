import { Router, type RequestHandler } from "express";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import { addMember, createChat, getChat, listChats, listMembers, removeMember } from "../../domain/chats.ts";
import { bind } from "../bind.ts";

export function chatRoutes(ctx: DomainContext, auth: RequestHandler): Router {
  const r = Router();
  bind(r, "listChats", [auth], async ({ user, query }) => listChats(ctx, user.id, { offset: query.offset }));

  bind(r, "createChat", [auth], async ({ user, body, status }) => {
    const { chat, created } = await createChat(ctx, user.id, body);
    if (!created) status(200);
    return { message: created ? "Chat created" : "Chat exists", chat_id: chat.id, chat };
  });

  bind(r, "getChat", [auth], async ({ user, params }) => getChat(ctx, user.id, params.chat_id));

  bind(r, "listMembers", [auth], async ({ user, params }) => ({
    chat_id: params.chat_id,
    members: await listMembers(ctx, user.id, params.chat_id),
  }));

  bind(r, "addMember", [auth], async ({ user, params, query, body }) => {
    const userId = query.user_id ?? body.user_id;
    if (userId === undefined) {
      throw new AppError("validation_failed", "user_id is required", [
        { path: "user_id", message: "give ?user_id=N or a body {user_id}", in: "query" },
      ]);
    }
    const out = await addMember(ctx, user.id, params.chat_id, userId, body.role);
    return {
      message: out.added
        ? `User ${userId} added to chat ${params.chat_id}`
        : `User ${userId} is already in chat ${params.chat_id}`,
      chat_id: params.chat_id,
      user_id: userId,
      role: out.role,
    };
  });

  bind(r, "removeMember", [auth], async ({ user, params }) => {
    await removeMember(ctx, user.id, params.chat_id, params.user_id);
    return {
      message: `User ${params.user_id} removed from chat ${params.chat_id}`,
      chat_id: params.chat_id,
      user_id: params.user_id,
    };
  });
  return r;
}
