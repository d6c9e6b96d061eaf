/**
 * Mounts one route of packages/protocol's table at its served path (under API_PREFIX): authenticate if it says so, validate params,
 * query and body with its schemas (unknown fields refused), call the handler, answer its status.
 */
import type { Request, RequestHandler, Response, Router } from "express";
import type { z } from "zod";
import { AppError, issuesToDetails, routes, servedPath, type RouteDef, type RouteName } from "@chat/protocol";
import type { PublicUser } from "../domain/users.ts";

type Def<N extends RouteName> = (typeof routes)[N];
type Out<D, K extends string> = D extends Record<K, infer S extends z.ZodType> ? z.output<S> : undefined;

export interface Call<N extends RouteName> {
  user: PublicUser;
  params: Out<Def<N>, "params">;
  query: Out<Def<N>, "query">;
  body: Out<Def<N>, "body">;
  req: Request;
  res: Response;
  /** Answer this status instead of the route's default (e.g. 200 for an idempotent repeat). */
  status(code: number): void;
}

export type Handler<N extends RouteName> = (call: Call<N>) => Promise<z.input<Def<N>["response"]>>;

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    throw new AppError(
      "validation_failed",
      `Invalid ${where}`,
      issuesToDetails(r.error.issues).map((d) => ({ ...d, in: where })),
    );
  }
  return r.data;
}

const expressPath = (p: string) => p.replace(/\{(\w+)\}/g, ":$1");

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
      const body = def.body && (def.method === "get" || def.method === "delete") ? undefined : req.body;
      const call = {
        user: req.user as PublicUser,
        params: parse(def.params, req.params, "path"),
        query: parse(def.query, req.query, "query"),
        body: parse(def.body, body, "body"),
        req,
        res,
        status: (code: number) => void (status = code),
      } as Call<N>;
      const out = await handler(call);
      res.status(status).json(out);
    } catch (err) {
      next(err);
    }
  });
}
