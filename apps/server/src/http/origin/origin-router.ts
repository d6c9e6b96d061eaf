/**
 * The origin's surface at the root: a thin edge over the same domain calls as /api/v1
 * (domain/*.ts), so every rule (members only, owner/admin add, exactly-once "fully read", equal
 * texts are two messages) holds here by construction. What this file adds is only the origin's
 * shapes, statuses (200) and wording (packages/protocol/src/origin-routes.ts, `originText`).
 */
import { Router, type RequestHandler } from "express";
import type passport from "passport";
import { originText } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import type { TokenService } from "../../auth/tokens.ts";
import type { SessionStore } from "../../auth/sessions.ts";
import { registerUser } from "../../domain/users.ts";
import { addMember, createChat, listMembers } from "../../domain/chats.ts";
import { history } from "../../domain/messages.ts";
import { markMessageRead } from "../../domain/receipts.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import { loginDevice, loginGuards } from "../routes/auth-routes.ts";
import { bindOrigin } from "./origin-bind.ts";
import { originErrorHandler } from "./origin-errors.ts";

export interface OriginDeps {
  ctx: DomainContext;
  tokens: TokenService;
  sessions: SessionStore;
  passport: passport.PassportStatic;
  auth: RequestHandler;
  loginSlowdown?: { maxDelayMs: number; maxWaiting: number };
  /** ORIGIN_ACCESS_TOKEN_EXPIRE_MINUTES in seconds: `POST /token` keeps the origin's lifetime. */
  originTokenSeconds?: number;
}

export function originRouter({
  ctx,
  tokens,
  sessions,
  passport: p,
  auth,
  loginSlowdown,
  originTokenSeconds,
}: OriginDeps): Router {
  const r = Router();

  bindOrigin(r, "register", [], async ({ body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    await registerUser(ctx, body);
    return { message: originText.registered };
  });

  // The origin's answer shape, but a session row behind it (refresh token not handed out): its
  // tokens carry `sid`, so they are listed under /api/v1/sessions and can be signed out. Without a
  // refresh token its clients cannot renew: the token keeps the origin's lifetime (30 minutes).
  bindOrigin(r, "token", loginGuards(ctx, p, loginSlowdown), async ({ user, req }) => {
    const session = await sessions.create(user.id, loginDevice(req), req.ip ?? "");
    const { token, expiresIn } = tokens.sign(user.id, session.id, originTokenSeconds);
    return { access_token: token, token_type: "bearer" as const, expires_in: expiresIn };
  });

  bindOrigin(r, "createChat", [auth], async ({ user, body }) => {
    const { chat } = await createChat(ctx, user.id, body);
    return { message: originText.chatCreated, chat_id: chat.id };
  });

  bindOrigin(r, "addMember", [auth], async ({ user, params, query }) => {
    const out = await addMember(ctx, user.id, params.chat_id, query.user_id, query.role);
    return {
      message: out.added ? originText.memberAdded(query.user_id, params.chat_id) : originText.alreadyMember,
    };
  });

  bindOrigin(r, "listMembers", [auth], async ({ user, params }) => ({
    chat_id: params.chat_id,
    members: (await listMembers(ctx, user.id, params.chat_id)).map((m) => ({ id: m.id, name: m.name })),
  }));

  // A bare array as the origin's; whether older messages remain goes in a header.
  bindOrigin(r, "history", [auth], async ({ user, params, query, res }) => {
    const { items, has_more } = await history(ctx, user.id, params.chat_id, query);
    res.setHeader("X-Has-More", String(has_more));
    return items.map(({ id, chat_id, sender_id, text, timestamp, read }) => ({
      id,
      chat_id,
      sender_id,
      text,
      timestamp,
      read,
    }));
  });

  bindOrigin(r, "readMessage", [auth], async ({ user, params }) => {
    const id = params.message_id;
    const out = await markMessageRead(ctx, id, user.id);
    if (out.fullyReadThis) return { message: originText.fullyRead(id) };
    // The cursor did not move: this reader had already read this message (or a later one).
    if (!out.moved) return { message: originText.alreadyRead(id, user.id) };
    return { message: originText.marked };
  });

  r.use(originErrorHandler);
  return r;
}
