import { Router } from "express";
import type { Database } from "../../store/database.ts";
import { bind } from "../bind.ts";

export interface ReadinessProbe {
  /** "disabled" when the node runs without Redis. */
  redis(): "ok" | "down" | "disabled";
}

export function healthRoutes(db: Database, probe: ReadinessProbe): Router {
  const r = Router();
  bind(r, "healthz", [], async () => ({ status: "ok" as const }));
  bind(r, "readyz", [], async ({ status }) => {
    const database = await db.pool
      .query("SELECT 1")
      .then(() => "ok" as const)
      .catch(() => "down" as const);
    const redis = probe.redis();
    const state = database === "down" ? "unavailable" : redis === "down" ? "degraded" : "ok";
    // Only a missing database takes a node out of rotation. Without Redis a node still serves its
    // own sockets and all of REST; answering 503 then would take every node out at once.
    if (state === "unavailable") status(503);
    return { status: state, checks: { database, redis } };
  });
  return r;
}
