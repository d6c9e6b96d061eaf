/**
 * Mounts one route of packages/protocol's table at its served path (under API_PREFIX): authenticate if it says so, validate params,
 * query and body with its schemas (unknown fields refused), call the handler, answer its status
 * (a 3xx route's handler answers `{url}`, sent as the Location of the redirect).
 */
import type { RequestHandler, Router } from "express";
import type { z } from "zod";
import { issuesToDetails, routes, servedPath, type RouteDef, type RouteName } from "@chat/protocol";
import type { PublicUser } from "../domain/users.ts";
import { expressPath, routeInput, type RouteCall } from "./route-input.ts";

type Def<N extends RouteName> = (typeof routes)[N];

export interface Call<N extends RouteName> extends RouteCall<Def<N>> {
  /** Answer this status instead of the route's default (e.g. 200 for an idempotent repeat). */
  status(code: number): void;
}

export type Handler<N extends RouteName> = (call: Call<N>) => Promise<z.input<Def<N>["response"]>>;

export function bind<N extends RouteName>(
  router: Router,
  name: N,
  guards: RequestHandler[],
  handler: Handler<N>,
): void {
  const def: RouteDef = routes[name];
  router[def.method](expressPath(servedPath(def)), ...guards, async (req, res, next) => {
    try {
      let status = def.status;
      const call = {
        user: req.user as PublicUser,
        ...routeInput(def, req, (i) => issuesToDetails([i])[0]),
        req,
        res,
        status: (code: number) => void (status = code),
      } as Call<N>;
      const out = await handler(call);
      if (status >= 300 && status < 400) {
        // A redirect route answers `{url}`: the link goes in Location, never into a cache.
        res.setHeader("Cache-Control", "no-store");
        return void res.redirect(status, (out as { url: string }).url);
      }
      res.status(status).json(out);
    } catch (err) {
      next(err);
    }
  });
}
