import { Router } from "express";
import { bind } from "../bind.ts";

/** The dependency checks of GET /readyz; each answers within its own bound (ops/readiness.ts). */
export interface ReadinessProbe {
  database(): Promise<"ok" | "down">;
  /** "disabled" when the node runs without Redis. */
  redis(): Promise<"ok" | "down" | "disabled">;
}

export function healthRoutes(probe: ReadinessProbe): Router {
  const r = Router();
  bind(r, "healthz", [], async () => ({ status: "ok" as const }));
  bind(r, "readyz", [], async ({ status }) => {
    // Both at once: a stalled database and a stalled Redis cost one timeout, not two.
    const [database, redis] = await Promise.all([probe.database(), probe.redis()]);
    const state = database === "down" ? "unavailable" : redis === "down" ? "degraded" : "ok";
    // Only a missing database takes a node out of rotation. Without Redis a node still serves its
    // own sockets and all of REST; answering 503 then would take every node out at once.
    if (state === "unavailable") status(503);
    return { status: state, checks: { database, redis } };
  });
  return r;
}
