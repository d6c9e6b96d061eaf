/**
 * Mounts one route of the origin table (packages/protocol/src/origin-routes.ts): guards, then
 * params, query and body validated with its schemas (a failure is FastAPI's 422), then the
 * handler; its answer is always 200, as the origin's.
 */
import type { Request, RequestHandler, Response, Router } from "express";
import type { z } from "zod";
import { AppError, originRoutes, type OriginRouteDef, type OriginRouteName } from "@chat/protocol";
import type { PublicUser } from "../../domain/users.ts";

/** OpenAPI's `{chat_id}` to Express's `:chat_id`. */
const expressPath = (p: string) => p.replace(/\{(\w+)\}/g, ":$1");

type Def<N extends OriginRouteName> = (typeof originRoutes)[N];
type Out<D, K extends string> = D extends Record<K, infer S extends z.ZodType> ? z.output<S> : undefined;

export interface OriginCall<N extends OriginRouteName> {
  user: PublicUser;
  params: Out<Def<N>, "params">;
  query: Out<Def<N>, "query">;
  body: Out<Def<N>, "body">;
  req: Request;
  res: Response;
}

export type OriginHandler<N extends OriginRouteName> = (
  call: OriginCall<N>,
) => Promise<z.input<Def<N>["response"]>>;

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    throw new AppError(
      "validation_failed",
      `Invalid ${where}`,
      r.error.issues.map((i) => ({
        path: i.path.map(String).join("."),
        message: i.message,
        in: where,
        type: i.code,
      })),
    );
  }
  return r.data;
}

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
        params: parse(def.params, req.params, "path"),
        query: parse(def.query, req.query, "query"),
        body: parse(def.body, def.method === "get" ? undefined : req.body, "body"),
        req,
        res,
      } as OriginCall<N>;
      res.status(200).json(await handler(call));
    } catch (err) {
      next(err);
    }
  });
}
