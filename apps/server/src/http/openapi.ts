/** The OpenAPI 3.1 document, generated from packages/protocol's route table and schemas. */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { requestBodyContent } from "./openapi-body.ts";
import {
  API_PREFIX,
  errorCatalogue,
  ErrorResponseSchema,
  routes,
  servedPath,
  type ErrorCode,
  type RouteDef,
} from "@chat/protocol";
import { z } from "zod";
import { withOriginSurface } from "./origin/origin-openapi.ts";

export function buildOpenApi(version: string) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: `The access_token from POST ${servedPath(routes.token)}`,
  });
  for (const def of Object.values(routes) as RouteDef[]) {
    // Whatever the table lists, a body can be malformed or too large and any input can fail validation.
    const implied: ErrorCode[] = [
      ...(def.auth ? (["unauthorized", "token_expired", "session_revoked"] as const) : []),
      ...(def.body || def.params || def.query ? (["validation_failed"] as const) : []),
      ...(def.body ? (["invalid_json", "payload_too_large"] as const) : []),
    ];
    const errorStatuses = new Map<number, string[]>();
    for (const code of new Set([...def.errors, ...implied])) {
      const s = errorCatalogue[code].status;
      errorStatuses.set(s, [...(errorStatuses.get(s) ?? []), code]);
    }
    if (!def.auth || def.errors.length > 0) {
      errorStatuses.set(500, ["internal"]);
    }
    const responses: Record<
      string,
      {
        description: string;
        content?: Record<string, { schema: z.ZodType }>;
        headers?: Record<string, { description: string; schema: { type: "string" } }>;
      }
    > = {
      // A redirect (bind.ts): the response schema's `url` goes in Location, with no body.
      [def.status]:
        def.status >= 300 && def.status < 400
          ? {
              description: "Redirect to a short-lived link",
              headers: { Location: { description: "The link", schema: { type: "string" } } },
            }
          : { description: "Success", content: { "application/json": { schema: def.response } } },
    };
    for (const s of def.alsoStatus ?? []) {
      responses[s] = {
        description: "Success (existing resource)",
        content: { "application/json": { schema: def.response } },
      };
    }
    for (const [s, codes] of errorStatuses) {
      responses[s] = {
        description: `Error: ${codes.join(", ")}`,
        content: { "application/json": { schema: ErrorResponseSchema } },
      };
    }
    const bodyContent = requestBodyContent(def);
    registry.registerPath({
      method: def.method,
      // The real path (under API_PREFIX, probes at the root): the document lists what a client calls.
      path: servedPath(def),
      summary: def.summary,
      tags: [def.tag],
      security: def.auth ? [{ [bearer.name]: [] }] : [],
      request: {
        params: def.params as z.ZodObject | undefined,
        query: def.query as z.ZodObject | undefined,
        body: def.body
          ? {
              content: bodyContent,
              required: def.method !== "post" || def.path !== "/chats/{chat_id}/members",
            }
          : undefined,
      },
      responses,
    });
  }
  // Both surfaces in one document, a tag for each (the origin's: origin/origin-openapi.ts).
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Chat cluster API",
      version,
      description:
        `REST API of the chat cluster, served under \`${API_PREFIX}\` (health probes at the root). ` +
        "Errors answer `{error: {code, message, details?}}`. " +
        "The realtime protocol (Socket.IO) is described at /asyncapi.json.",
    },
    servers: [{ url: "/" }],
  });
  return withOriginSurface(doc);
}
