/** Builds concrete paths from the route table's OpenAPI-style paths. */
import { routes, servedPath, type RouteDef, type RouteName } from "@chat/protocol";

export const routeNames = Object.keys(routes) as RouteName[];

export function def(name: RouteName): RouteDef {
  return routes[name];
}

/** `/chats/{chat_id}` with `{chat_id: 5}` → `/api/v1/chats/5` (its served path); a missing param throws (a test bug). */
export function fillPath(name: RouteName, params: Record<string, string | number> = {}): string {
  return servedPath(routes[name]).replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`${name}: no value for {${k}}`);
    return encodeURIComponent(String(v));
  });
}

/** The names of a route's path parameters, in order. */
export function pathParams(name: RouteName): string[] {
  return [...routes[name].path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

/** Every route's path with each parameter set to the same id. */
export function pathWithIds(name: RouteName, id: number | string = 1): string {
  return fillPath(name, Object.fromEntries(pathParams(name).map((p) => [p, id])));
}
