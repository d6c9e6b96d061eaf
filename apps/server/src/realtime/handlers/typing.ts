import type { Socket } from "socket.io";
import type { Logger } from "pino";
import { chatRoom, userRoom, versionTag, type ChatServer, type SocketData } from "../socket-broadcast.ts";
import { on } from "./validated-event.ts";
import type { DomainContext } from "../../domain/context.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import { membersVersionFor } from "../../domain/access.ts";

const THROTTLE_MS = 1000;

/**
 * Typing is not persisted; repeats within 1 s are dropped. Membership is checked in the database at
 * the moment of the event (a room that Redis failed to leave is no proof), and the broadcast carries
 * the members version it was checked at, so no node delivers it to someone removed before.
 */
export function typingHandlers(socket: Socket, io: ChatServer, ctx: DomainContext, log: Logger) {
  const last = new Map<number, { at: number; is: boolean }>();
  on(socket, "typing", log, async (p) => {
    const { userId } = socket.data as SocketData;
    await enforce(ctx.limiter, [[ctx.limits.typingPerUser, String(userId)]]);
    const version = await membersVersionFor(ctx, p.chat_id, userId);
    const now = Date.now();
    const prev = last.get(p.chat_id);
    if (prev && prev.is === p.is_typing && now - prev.at < THROTTLE_MS) return {};
    last.set(p.chat_id, { at: now, is: p.is_typing });
    io.to(chatRoom(p.chat_id))
      .except([userRoom(userId), versionTag(version)])
      .emit("typing", { chat_id: p.chat_id, user_id: userId, is_typing: p.is_typing });
    return {};
  });
}
