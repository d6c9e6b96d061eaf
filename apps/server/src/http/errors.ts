/**
 * The last handlers: under /api/v1 every failure is `{error: {code, message, details?}}`; at the
 * root (the origin's surface) FastAPI's `{"detail": …}` — also for a path nobody serves and for a
 * body that is not JSON, which no router saw. Only unexpected errors are logged with a stack.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import { AppError, API_PREFIX, routes, servedPath } from "@chat/protocol";
import { toAppError } from "../edge/errors.ts";
import { originErrorHandler } from "./origin/origin-errors.ts";

/** Paths (and what lies below them) that are ours, not the origin's: /api/v1, the probes, docs, metrics. */
const OURS = [
  API_PREFIX,
  ...Object.values(routes)
    .map((r) => servedPath(r))
    .filter((p) => !p.startsWith(`${API_PREFIX}/`)),
  ...["/docs", "/redoc", "/openapi.json", "/asyncapi", "/asyncapi.json", "/metrics"],
];

/** Whether a request belongs to the origin's surface: anything that is not ours. */
const atOrigin = (req: Request) => {
  // As Express routes: any case, repeated or trailing slashes ("/METRICS/" is /metrics).
  const path = req.path
    .toLowerCase()
    .replace(/\/{2,}/g, "/")
    .replace(/(.)\/$/, "$1");
  return !OURS.some((root) => path === root || path.startsWith(`${root}/`));
};

/** Seconds to wait before retrying: the limiter's own figure when it gave one. */
function retryAfter(err: AppError): string {
  const given = (err.details as { retry_after?: unknown } | undefined)?.retry_after;
  return typeof given === "number" && given > 0 ? String(given) : "1";
}

export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (atOrigin(req)) return originErrorHandler(err, req, res, next);
  const known = toAppError(err);
  const appErr = known ?? new AppError("internal");
  if (!known) req.log?.error({ err }, "unhandled error");
  if (res.headersSent) return;
  if (appErr.code === "rate_limited" || appErr.code === "unavailable")
    res.setHeader("Retry-After", retryAfter(appErr));
  res.status(appErr.status).json({ error: appErr.toBody() });
};

export const notFound: RequestHandler = (req, res) => {
  if (atOrigin(req)) return void res.status(404).json({ detail: "Not Found" });
  res
    .status(404)
    .json({ error: new AppError("not_found", `No route for ${req.method} ${req.path}`).toBody() });
};
