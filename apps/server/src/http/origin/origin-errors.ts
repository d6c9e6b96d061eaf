/**
 * The origin surface's errors, as FastAPI answers them: `{"detail": "…"}`, or for a validation
 * error `{"detail": [{loc, msg, type}]}` with status 422. The domain throws the same catalogue
 * AppErrors for both surfaces; only this translation differs. Where the origin's status differs
 * from the catalogue's (a taken email, wrong credentials: 400), the origin's wins here.
 */
import type { ErrorRequestHandler, Request } from "express";
import { AppError, originText } from "@chat/protocol";
import { toAppError } from "../../edge/errors.ts";

export interface OriginIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** Details of a validation_failed error to FastAPI's `loc` list (`["query", "user_id"]`). */
function issues(err: AppError): OriginIssue[] {
  const list = Array.isArray(err.details) ? (err.details as Array<Record<string, unknown>>) : [];
  const out = list.map((d) => ({
    loc: [
      String(d.in ?? "body"),
      ...String(d.path ?? "")
        .split(".")
        .filter(Boolean),
    ],
    msg: String(d.message ?? err.message),
    type: typeof d.type === "string" ? d.type : "value_error",
  }));
  return out.length > 0 ? out : [{ loc: ["body"], msg: err.message, type: "value_error" }];
}

/** 401's wording: FastAPI's OAuth2 scheme says "Not authenticated" when no bearer token came at all. */
function unauthorizedText(req: Request): string {
  const h = req.headers.authorization;
  return typeof h === "string" && /^Bearer\s+\S/i.test(h) ? originText.badToken : originText.notAuthenticated;
}

export function toOrigin(err: AppError, req: Request): { status: number; detail: string | OriginIssue[] } {
  switch (err.code) {
    case "validation_failed":
      return { status: 422, detail: issues(err) };
    case "invalid_json":
      return { status: 422, detail: [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }] };
    case "email_taken":
      return { status: 400, detail: originText.emailTaken };
    case "invalid_credentials":
      return { status: 400, detail: originText.badCredentials };
    case "unauthorized":
    case "token_expired":
    case "session_revoked":
      return { status: 401, detail: unauthorizedText(req) };
    default:
      return { status: err.status, detail: err.message };
  }
}

export const originErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toAppError(err);
  const appErr = known ?? new AppError("internal");
  if (!known) req.log?.error({ err }, "unhandled error");
  if (res.headersSent) return;
  const { status, detail } = toOrigin(appErr, req);
  if (status === 401) res.setHeader("WWW-Authenticate", "Bearer");
  if (appErr.code === "rate_limited" || appErr.code === "unavailable") {
    const given = (appErr.details as { retry_after?: unknown } | undefined)?.retry_after;
    res.setHeader("Retry-After", typeof given === "number" && given > 0 ? String(given) : "1");
  }
  res.status(status).json({ detail });
};
