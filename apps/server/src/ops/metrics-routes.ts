/**
 * GET /metrics in Prometheus text format. Open by default, as scrapers expect (keep it off the
 * public ingress); with METRICS_TOKEN set it needs `Authorization: Bearer <token>`.
 */
import crypto from "node:crypto";
import { Router } from "express";
import { AppError } from "@chat/protocol";
import type { NodeMetrics } from "./metrics.ts";

function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash("sha256").update(a).digest();
  const hb = crypto.createHash("sha256").update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

export function metricsRoutes(metrics: NodeMetrics, token?: string): Router {
  const r = Router();
  r.get("/metrics", async (req, res, next) => {
    try {
      if (token) {
        const given = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? "";
        if (!sameSecret(given, token)) {
          res.set("www-authenticate", 'Bearer realm="metrics"');
          throw new AppError("unauthorized", "GET /metrics needs the METRICS_TOKEN as a bearer token");
        }
      }
      const { contentType, body } = await metrics.render();
      res.status(200).type(contentType).send(body);
    } catch (err) {
      next(err);
    }
  });
  return r;
}
