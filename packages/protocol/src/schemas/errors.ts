import { z } from "zod";
import { errorCodes } from "../errors.ts";

export const ErrorBodySchema = z
  .object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: "ErrorBody" });

export const ErrorResponseSchema = z.object({ error: ErrorBodySchema }).meta({ id: "ErrorResponse" });
