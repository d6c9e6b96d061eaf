/** The MLS events of encrypted chats (issue 17): sends from this socket's device, its Welcomes. */
import type { Socket } from "socket.io";
import type { Logger } from "pino";
import type { DomainContext } from "../../domain/context.ts";
import { ackWelcomes, pendingWelcomes, sendMls } from "../../domain/mls-delivery.ts";
import type { SocketData } from "../socket-broadcast.ts";
import { on } from "./validated-event.ts";

export function mlsHandlers(socket: Socket, ctx: DomainContext, log: Logger) {
  const data = () => socket.data as SocketData;
  on(socket, "mls:send", log, (p) => sendMls(ctx, data().userId, data().deviceId, p));
  on(socket, "mls:welcomes", log, (p) => pendingWelcomes(ctx, data().userId, data().deviceId, p.limit));
  on(socket, "mls:welcome_ack", log, (p) => ackWelcomes(ctx, data().userId, data().deviceId, p.ids));
}
