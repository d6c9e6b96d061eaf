/** Logout and the device list (issue 15): ending a session refuses its tokens on every node. */
import { Router, type RequestHandler } from "express";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import type { TokenService } from "../../auth/tokens.ts";
import type { SessionStore } from "../../auth/sessions.ts";
import { bind } from "../bind.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import { changePassword, deleteAccount } from "../../domain/users.ts";
import { clearRefreshCookie } from "../refresh-cookie.ts";

export function sessionRoutes(
  ctx: DomainContext,
  _tokens: TokenService,
  sessions: SessionStore,
  auth: RequestHandler,
  /** The account ended: its tokens are refused and its sockets dropped on every node (node.ts). */
  endAccount: (userId: number) => void = () => undefined,
): Router {
  const r = Router();
  // A token from before sessions existed has no session to end: nothing ended, it expires on its own.
  bind(r, "logout", [auth], async ({ req, res }) => {
    clearRefreshCookie(res);
    return { ended: req.user?.sid && (await sessions.end(req.user.sid, "logout", req.user.id)) ? 1 : 0 };
  });
  bind(r, "listSessions", [auth], async ({ user, req }) => ({
    sessions: (await sessions.list(user.id)).map((s) => ({
      id: s.id,
      device: s.device,
      created_at: s.created_at.toISOString(),
      last_used_at: s.last_used_at.toISOString(),
      last_ip: s.last_ip,
      current: s.id === req.user?.sid,
    })),
  }));
  // Someone else's session is as unknown as a missing one: 404 either way, nothing learnt.
  bind(r, "endSession", [auth], async ({ user, params }) => {
    if (!(await sessions.end(params.session_id, "signed_out", user.id))) throw new AppError("not_found");
    return { ended: 1 };
  });
  // A new password ends every other session: whoever knew the old one is signed out everywhere.
  // Per address, like logins: guessing the current password with a stolen token is brute force.
  bind(r, "changePassword", [auth], async ({ user, body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    await changePassword(ctx, user.id, body.current_password, body.new_password);
    return { ended: await sessions.endAllBut(user.id, req.user?.sid, "password_changed") };
  });
  // Every session ends (this one too): marking the user deleted ends them in PostgreSQL (a trigger,
  // as when an operator does it in SQL), and the account's end refuses every token of the user and
  // drops every socket of theirs on every node, those from a token without session too.
  bind(r, "deleteAccount", [auth], async ({ user, body, req }) => {
    await enforce(ctx.limiter, [[ctx.limits.authPerIp, req.ip ?? "?"]]);
    const live = await sessions.countLive(user.id);
    await deleteAccount(ctx, user.id, body.password);
    endAccount(user.id);
    return { ended: live };
  });
  bind(r, "endOtherSessions", [auth], async ({ user, req }) => ({
    ended: await sessions.endAllBut(user.id, req.user?.sid, "signed_out"),
  }));
  return r;
}
