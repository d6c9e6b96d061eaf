/** Sessions (issue 15): login answers on /api/v1, refresh, logout and the device list. */
import { z } from "zod";
import { TokenResponse } from "./auth.ts";
import { storable } from "./common.ts";

/** /api/v1's login and refresh answer: the origin's fields, plus the session's refresh token. */
export const SessionTokenResponse = TokenResponse.extend({
  refresh_token: z.string().meta({
    description: "Opaque, one-time: POST it to /auth/refresh for a new pair; a reused one ends the session",
  }),
  session_id: z.uuid(),
}).meta({ id: "SessionTokenResponse" });

/** A refresh token is 43 base64url characters; anything far longer is refused before hashing. */
export const RefreshBody = z
  .strictObject({ refresh_token: storable(z.string().min(1).max(512)) })
  .meta({ id: "RefreshBody" });

export const SessionSchema = z
  .object({
    id: z.uuid(),
    device: z.string().meta({ description: "From the client (X-Device-Name) or the User-Agent at login" }),
    created_at: z.string(),
    last_used_at: z.string().meta({ description: "Login or last refresh" }),
    last_ip: z.string(),
    current: z.boolean().meta({ description: "The session of the token making this request" }),
  })
  .meta({ id: "Session" });

export const SessionListResponse = z.object({ sessions: z.array(SessionSchema) }).meta({ id: "SessionList" });

export const SessionIdParams = z.strictObject({ session_id: z.uuid("must be a session id") });

export const SessionsEndedResponse = z
  .object({ ended: z.number().int().meta({ description: "How many sessions this call ended" }) })
  .meta({ id: "SessionsEnded" });
