/**
 * What both surfaces' binders share (bind.ts for /api/v1, origin/origin-bind.ts for the root):
 * OpenAPI paths as Express paths, and a route's params, query and body checked with its schemas.
 * A failure is one `validation_failed` AppError whose details each surface renders its own way.
 */
import type { Request, Response } from "express";
import type { z } from "zod";
import { AppError } from "@chat/protocol";
import type { PublicUser } from "../domain/users.ts";

/** The parsed type of a route definition's `K` schema (`params`, `query`, `body`), if it has one. */
export type Out<D, K extends string> =
  D extends Record<K, infer S extends z.ZodType> ? z.output<S> : undefined;

/** What a handler of route definition `D` gets: the caller, its checked input, the raw exchange. */
export interface RouteCall<D> {
  user: PublicUser;
  params: Out<D, "params">;
  query: Out<D, "query">;
  body: Out<D, "body">;
  req: Request;
  res: Response;
}

/** OpenAPI's `{chat_id}` to Express's `:chat_id`. */
export const expressPath = (p: string) => p.replace(/\{(\w+)\}/g, ":$1");

type Issue = z.core.$ZodIssue;

function parse(
  schema: z.ZodType | undefined,
  value: unknown,
  where: string,
  detail: (i: Issue) => object,
): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    throw new AppError(
      "validation_failed",
      `Invalid ${where}`,
      r.error.issues.map((i) => ({ ...detail(i), in: where })),
    );
  }
  return r.data;
}

/** A route's params, query and body (none for GET and DELETE), each validated by its schema. */
export function routeInput(
  def: { method: string; params?: z.ZodType; query?: z.ZodType; body?: z.ZodType },
  req: Request,
  detail: (i: Issue) => object,
) {
  const body = def.method === "get" || def.method === "delete" ? undefined : req.body;
  return {
    params: parse(def.params, req.params, "path", detail),
    query: parse(def.query, req.query, "query", detail),
    body: parse(def.body, body, "body", detail),
  };
}
