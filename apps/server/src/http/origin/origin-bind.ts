/**
 * Mounts one route of the origin table (packages/protocol/src/origin-routes.ts): guards, then
 * params, query and body validated with its schemas (a failure is FastAPI's 422), then the
 * handler; its answer is always 200, as the origin's.
 */
import type { RequestHandler, Router } from "express";
import type { z } from "zod";
import { originRoutes, type OriginRouteDef, type OriginRouteName } from "@chat/protocol";
import type { PublicUser } from "../../domain/users.ts";
import { expressPath, routeInput, type RouteCall } from "../route-input.ts";

type Def<N extends OriginRouteName> = (typeof originRoutes)[N];

export type OriginCall<N extends OriginRouteName> = RouteCall<Def<N>>;

export type OriginHandler<N extends OriginRouteName> = (
  call: OriginCall<N>,
) => Promise<z.input<Def<N>["response"]>>;

export function bindOrigin<N extends OriginRouteName>(
  router: Router,
  name: N,
  guards: RequestHandler[],
  handler: OriginHandler<N>,
): void {
  const def: OriginRouteDef = originRoutes[name];
  router[def.method](expressPath(def.path), ...guards, async (req, res, next) => {
    try {
      const call = {
        user: req.user as PublicUser,
        ...routeInput(def, req, (i) => ({
          path: i.path.map(String).join("."),
          message: i.message,
          type: i.code,
        })),
        req,
        res,
      } as OriginCall<N>;
      res.status(200).json(await handler(call));
    } catch (err) {
      next(err);
    }
  });
}
