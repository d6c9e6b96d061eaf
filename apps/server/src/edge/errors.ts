/**
 * Any failure to the catalogue's AppError, for both edges (REST's error handler, the socket acks):
 * it knows the domain's errors, zod's, the driver's connection errors (store/) and Express/body-parser's
 * request errors, so it belongs to neither http/ nor realtime/ but to what they share. Unknown
 * errors answer null: the edge logs them with a stack and answers `internal`.
 */
import { AppError, issuesToDetails } from "@chat/protocol";
import { ZodError } from "zod";
import { isConnectionError } from "../store/connection-errors.ts";

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
