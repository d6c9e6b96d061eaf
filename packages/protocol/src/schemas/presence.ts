import { z } from "zod";
import { idParam, isoDate } from "./common.ts";

export const UserIdParams = z.strictObject({ user_id: idParam });
export const PresenceSchema = z
  .object({ user_id: z.number().int(), online: z.boolean(), last_seen: isoDate.nullable() })
  .meta({ id: "Presence" });
