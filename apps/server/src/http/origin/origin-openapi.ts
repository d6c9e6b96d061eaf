/**
 * The origin surface's part of the OpenAPI document (tag "origin"), generated from its table
 * (packages/protocol/src/origin-routes.ts) and merged into the main document by openapi.ts.
 * Errors are FastAPI's `{"detail"}` (OriginError), 422 for validation.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { requestBodyContent } from "../openapi-body.ts";
import { OriginError, originRoutes, type OriginRouteDef } from "@chat/protocol";
import type { z } from "zod";

export const ORIGIN_TAG = {
  name: "origin",
  description:
    "The FastAPI chat's surface, at the root, answering as it did on the wire (200s, its wording, " +
    '`{"detail"}` errors, 422 for validation). See docs/migrating-from-fastapi.md.',
};

const ERROR_TEXT: Record<number, string> = {
  400: "Email already registered / wrong email or password",
  401: "Not authenticated / Could not validate credentials",
  403: "Not a member, or not allowed (owner or admin only)",
  404: "Chat, user or message not found",
  409: "Conflicts with the current state",
  413: "Body larger than 64 KB",
  422: "Validation error (FastAPI's shape)",
  429: "Too many requests",
};

type Doc = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

export function originOpenApi(): Pick<Doc, "paths" | "components"> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The access_token from POST /token",
  });
  for (const def of Object.values(originRoutes) as OriginRouteDef[]) {
    const responses: Record<string, { description: string; content: Record<string, { schema: z.ZodType }> }> =
      {
        200: { description: "Success", content: { "application/json": { schema: def.response } } },
      };
    for (const s of def.errors) {
      responses[s] = {
        description: ERROR_TEXT[s] ?? "Error",
        content: { "application/json": { schema: OriginError } },
      };
    }
    const body = requestBodyContent(def);
    registry.registerPath({
      method: def.method,
      path: def.path,
      summary: def.summary,
      tags: [ORIGIN_TAG.name],
      security: def.auth ? [{ [bearer.name]: [] }] : [],
      request: {
        params: def.params as z.ZodObject | undefined,
        query: def.query as z.ZodObject | undefined,
        body: def.body ? { content: body, required: true } : undefined,
      },
      responses,
    });
  }
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "origin", version: "0" },
  });
  return { paths: doc.paths, components: doc.components };
}

/**
 * Adds the origin's operations to the main document. A path and method the main table already
 * documents at the same place keeps the main one: until the main API moves under /api/v1 it holds
 * the root (and the router answering there is the main one, mounted first).
 */
export function withOriginSurface<D extends Doc>(doc: D): D {
  const origin = originOpenApi();
  const paths = { ...(doc.paths ?? {}) } as Record<string, Record<string, unknown>>;
  for (const [p, ops] of Object.entries(origin.paths ?? {})) {
    for (const [method, op] of Object.entries(ops as Record<string, unknown>)) {
      if (paths[p]?.[method]) continue;
      paths[p] = { ...(paths[p] ?? {}), [method]: op };
    }
  }
  const schemas = { ...(origin.components?.schemas ?? {}), ...(doc.components?.schemas ?? {}) };
  const tags = [...(doc.tags ?? []).filter((t) => t.name !== ORIGIN_TAG.name), ORIGIN_TAG];
  return { ...doc, paths, tags, components: { ...doc.components, schemas } };
}
