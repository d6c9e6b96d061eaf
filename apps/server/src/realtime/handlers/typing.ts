import { AppError } from "@chat/protocol";
import type { Socket } from "socket.io";
import type { Logger } from "pino";
import { chatRoom, userRoom, type ChatServer, type SocketData } from "../socket-broadcast.ts";
import { on } from "./define.ts";
import type { DomainContext } from "../../domain/context.ts";
import { enforce } from "../../security/rate-limit.ts";

const THROTTLE_MS = 1000;

/** Typing is not persisted; membership comes from the socket's rooms; repeats within 1 s are dropped. */
export function typingHandlers(socket: Socket, io: ChatServer, ctx: DomainContext, log: Logger) {
  const last = new Map<number, { at: number; is: boolean }>();
  on(socket, "typing", log, async (p) => {
    if (!socket.rooms.has(chatRoom(p.chat_id))) throw new AppError("not_a_member");
    await enforce(ctx.limiter, [[ctx.limits.typingPerUser, String((socket.data as SocketData).userId)]]);
    const now = Date.now();
    const prev = last.get(p.chat_id);
    if (prev && prev.is === p.is_typing && now - prev.at < THROTTLE_MS) return {};
    last.set(p.chat_id, { at: now, is: p.is_typing });
    const { userId } = socket.data as SocketData;
    io.to(chatRoom(p.chat_id))
      .except(userRoom(userId))
      .emit("typing", { chat_id: p.chat_id, user_id: userId, is_typing: p.is_typing });
    return {};
  });
}
