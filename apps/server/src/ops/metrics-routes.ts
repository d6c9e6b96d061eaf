/**
 * GET /metrics in Prometheus text format. Open by default, as scrapers expect (keep it off the
 * public ingress); with METRICS_TOKEN set it needs `Authorization: Bearer <token>`.
 *
 * With METRICS_PORT set, metrics are served on that port only (its own HTTP server, never behind
 * the proxy) and the main port answers 404 for every spelling Express would otherwise route to
 * them: /metrics/, /METRICS, /Metrics/ (Express matches case-insensitively and ignores a trailing
 * slash, which is how nginx's `location = /metrics` was bypassed: issue 12, item 9).
 */
import crypto from "node:crypto";
import http from "node:http";
import express, { Router } from "express";
import { AppError } from "@chat/protocol";
import type { NodeMetrics } from "./metrics.ts";
import { errorHandler, notFound } from "../http/errors.ts";

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

/** Every case and slash variant of /metrics (and anything under it). */
const METRICS_PATH = /^\/+metrics(\/.*)?$/i;

/** On the main port when metrics have their own: 404 for any variant, before the web client's fallback. */
export function refuseMetricsRoutes(): Router {
  const r = Router();
  r.use((req, _res, next) => next(METRICS_PATH.test(req.path) ? new AppError("not_found") : undefined));
  return r;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** The metrics port: GET /metrics (any case, with or without the slash) and nothing else. */
export async function startMetricsServer(
  metrics: NodeMetrics,
  token: string | undefined,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const app = express();
  app.disable("x-powered-by");
  app.use(metricsRoutes(metrics, token));
  app.use(notFound);
  app.use(errorHandler);
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
