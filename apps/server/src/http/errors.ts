/** Maps every failure to `{error: {code, message, details?}}`; only unexpected errors are logged with a stack. */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, issuesToDetails } from "@chat/protocol";
import { ZodError } from "zod";
import { isConnectionError } from "../store/message-writer.ts";

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError)
    return new AppError("validation_failed", undefined, issuesToDetails(err.issues));
  const e = err as { type?: string; status?: number };
  if (e?.type === "entity.parse.failed") return new AppError("invalid_json");
  if (e?.type === "entity.too.large")
    return new AppError("payload_too_large", "The body is larger than 64 KB");
  if (e?.type === "encoding.invalid") return new AppError("validation_failed", (err as Error).message);
  if (
    e?.type === "encoding.unsupported" ||
    e?.type === "charset.unsupported" ||
    e?.type === "request.aborted"
  ) {
    return new AppError("validation_failed", "The body could not be read");
  }
  if (isConnectionError(err)) return new AppError("unavailable", "The database is unavailable");
  // Any other 4xx from Express or body-parser (a path param that is not valid percent-encoding,
  // a corrupt gzip body, …) is the client's fault: a 400, never a 500.
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) {
    return e.status === 413
      ? new AppError("payload_too_large")
      : new AppError("validation_failed", "The request could not be read");
  }
  return null;
}

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
