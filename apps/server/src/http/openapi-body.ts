/** A route's request body in OpenAPI: JSON, and the OAuth2 form too where the route takes it. Both surfaces use it. */
import type { z } from "zod";

export function requestBodyContent(def: { body?: z.ZodType; form?: boolean }) {
  const content: Record<string, { schema: z.ZodType }> = {};
  if (def.body) {
    content["application/json"] = { schema: def.body };
    if (def.form) content["application/x-www-form-urlencoded"] = { schema: def.body };
  }
  return content;
}
