/**
 * Where the new API is served. The route table keeps relative paths (`/chats/{chat_id}`); the
 * server's binding, the OpenAPI document and packages/client prefix them here, once each, so the
 * root stays free for the origin's (FastAPI) surface, which answers there as the origin did.
 */
import type { RouteDef } from "./routes.ts";

export const API_PREFIX = "/api/v1";

/**
 * The path a route is served at. Health probes stay at the root: load balancers, compose and
 * Kubernetes probe `/healthz` and `/readyz` whatever version the API is at.
 */
export function servedPath(def: Pick<RouteDef, "path" | "tag">): string {
  return def.tag === "health" ? def.path : API_PREFIX + def.path;
}
