/** Web Push (issue 18): the VAPID key, subscriptions of this session's device, per-chat mute. */
import { Router, type RequestHandler } from "express";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import { muteChat } from "../../domain/mute.ts";
import { checkEndpoint, subscribe, unsubscribe } from "../../push/subscriptions.ts";
import { bind } from "../bind.ts";

export interface PushRouteDeps {
  /** The VAPID public key; absent: Web Push is off (production without keys). */
  publicKey?: string;
  production: boolean;
}

export function pushRoutes(ctx: DomainContext, auth: RequestHandler, deps: PushRouteDeps): Router {
  const r = Router();
  const on = () => {
    if (!deps.publicKey) throw new AppError("unavailable", "Web Push is not configured on this server");
    return deps.publicKey;
  };
  bind(r, "vapidPublicKey", [auth], async () => ({ public_key: on() }));

  bind(r, "subscribePush", [auth], async ({ user, body, status, req }) => {
    on();
    const sid = req.user?.sid;
    if (!sid) throw new AppError("unauthorized", "A token of a login session is needed");
    checkEndpoint(body.endpoint, deps.production);
    await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(user.id)]]);
    const out = await subscribe(ctx, user.id, sid, body);
    if (!out.created) status(200);
    return out;
  });

  bind(r, "unsubscribePush", [auth], async ({ user, query }) => ({
    removed: await unsubscribe(ctx, user.id, query.endpoint),
  }));

  bind(r, "muteChat", [auth], async ({ user, params, body }) =>
    muteChat(ctx, user.id, params.chat_id, body.until),
  );
  return r;
}
