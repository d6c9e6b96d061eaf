/** The sentence a notice shows for a failed REST call or socket request. */
import { AckError, ApiError } from "@chat/client/core";

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.body.message;
  if (err instanceof AckError) return err.error.message;
  return err instanceof Error ? err.message : "unknown error";
}
