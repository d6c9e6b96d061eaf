/** Sessions (issue 15): login answers on /api/v1, refresh, logout and the device list. */
import { z } from "zod";
import { TokenResponse } from "./auth.ts";
import { storable } from "./common.ts";

/** The header a browser page sends to keep its refresh token in a cookie (see REFRESH_COOKIE). */
export const REFRESH_COOKIE_HEADER = "X-Refresh-Cookie";
/** The HttpOnly cookie that carries the web app's refresh token (Path=/api/v1/auth). */
export const REFRESH_COOKIE = "chat_refresh";

/** /api/v1's login and refresh answer: the origin's fields, plus the session's refresh token. */
export const SessionTokenResponse = TokenResponse.extend({
  refresh_token: z.string().optional().meta({
    description:
      "Opaque, one-time: POST it to /auth/refresh for a new pair; a reused one ends the session. Absent when the request sent `X-Refresh-Cookie: 1`: the token is then in the HttpOnly cookie `chat_refresh` (Path=/api/v1/auth) instead",
  }),
  session_id: z.uuid(),
}).meta({ id: "SessionTokenResponse" });

/**
 * A refresh token is 43 base64url characters; anything far longer is refused before hashing.
 * Without it, the browser's cookie is used: that needs `X-Refresh-Cookie: 1` (and this site's
 * Origin, when the browser sends one); without token, header and cookie it is a 400.
 */
export const RefreshBody = z
  .strictObject({ refresh_token: storable(z.string().min(1).max(512)).optional() })
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
