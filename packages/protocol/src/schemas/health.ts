import { z } from "zod";

export const HealthResponse = z.object({ status: z.literal("ok") }).meta({ id: "Health" });
export const ReadyResponse = z
  .object({
    status: z.enum(["ok", "degraded", "unavailable"]),
    checks: z.record(z.string(), z.enum(["ok", "down", "disabled"])),
  })
  .meta({ id: "Ready" });
