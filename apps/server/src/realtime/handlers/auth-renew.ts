/**
 * `auth:renew` (issue 15): an open connection takes a fresh access token instead of being cut at
 * the old one's expiry. The token must pass the one check (TokenService.verify: signature, expiry,
 * not of an ended session) and be the same user's, of the same session: a socket cannot be moved
 * to another account or device. A socket from a token without session (issued before sessions)
 * may take a token with one, and joins that session's room.
 */
import type { Socket } from "socket.io";
import type { Logger } from "pino";
import { AppError } from "@chat/protocol";
import type { TokenService } from "../../auth/tokens.ts";
import { sessionRoom, type SocketData } from "../socket-broadcast.ts";
import { on } from "./validated-event.ts";

export function authRenewHandler(
  socket: Socket,
  tokens: TokenService,
  log: Logger,
  scheduleExpiry: (socket: Socket, exp: number) => void,
) {
  on(socket, "auth:renew", log, async (p) => {
    const data = socket.data as SocketData;
    const claims = tokens.verify(p.token);
    if (claims.userId !== data.userId) throw new AppError("forbidden", "The token is another user's");
    if (data.sid !== undefined && claims.sid !== data.sid) {
      throw new AppError("forbidden", "The token is of another session");
    }
    if (data.sid === undefined && claims.sid !== undefined) {
      data.sid = claims.sid;
      void socket.join(sessionRoom(claims.sid));
    }
    scheduleExpiry(socket, claims.exp);
    return { expires_in: Math.max(0, Math.round(claims.exp - Date.now() / 1000)) };
  });
}
