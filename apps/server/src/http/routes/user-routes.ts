import { Router, type RequestHandler } from "express";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import { findUser, renameUser, searchUsers } from "../../domain/users.ts";
import type { Presence } from "../../cluster/presence.ts";
import { bind } from "../bind.ts";
import { presenceFor } from "../../domain/last-seen.ts";
import { enforce } from "../../cluster/rate-limit.ts";

export function userRoutes(ctx: DomainContext, auth: RequestHandler, presence: Presence): Router {
  const r = Router();
  bind(r, "me", [auth], async ({ user }) => ({ id: user.id, name: user.name, email: user.email }));
  // Per address, like the other account changes: renaming in a loop is how names are spammed.
  bind(r, "updateMe", [auth], async ({ user, body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    return renameUser(ctx, user.id, body.name);
  });
  bind(r, "searchUsers", [auth], async ({ user, query }) => {
    // Per user: searching is how an account is enumerated (names, whole emails).
    await enforce(ctx.limiter, [[ctx.limits.userSearchesPerUser, String(user.id)]]);
    return { users: await searchUsers(ctx, user.id, query.query, query.limit) };
  });
  bind(r, "presence", [auth], async ({ user, params }) => {
    if (!(await findUser(ctx, params.user_id))) throw new AppError("user_not_found");
    return presenceFor(ctx, user.id, await presence.get(params.user_id));
  });
  return r;
}
