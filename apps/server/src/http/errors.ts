/** Maps every failure to `{error: {code, message, details?}}`; only unexpected errors are logged with a stack. */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError } from "@chat/protocol";
import { toAppError } from "../edge/errors.ts";

/** Seconds to wait before retrying: the limiter's own figure when it gave one. */
function retryAfter(err: AppError): string {
  const given = (err.details as { retry_after?: unknown } | undefined)?.retry_after;
  return typeof given === "number" && given > 0 ? String(given) : "1";
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toAppError(err);
  const appErr = known ?? new AppError("internal");
  if (!known) req.log?.error({ err }, "unhandled error");
  if (res.headersSent) return;
  if (appErr.code === "rate_limited" || appErr.code === "unavailable")
    res.setHeader("Retry-After", retryAfter(appErr));
  res.status(appErr.status).json({ error: appErr.toBody() });
};

export const notFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .json({ error: new AppError("not_found", `No route for ${req.method} ${req.path}`).toBody() });
};
