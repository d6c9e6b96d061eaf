/**
 * `presence:viewing {chat_id|null}`: which chat this socket shows right now. The web client says
 * so when a chat is open in a visible tab, and null when the tab is hidden or no chat is open; it
 * says it again after a reconnect (the state lives with the socket). The socket sits in the room
 * `viewing:{chat_id}`, so any node can ask the adapter which sessions show a chat
 * (`viewingSessions`): those get no Web Push for it.
 */
import type { Socket } from "socket.io";
import type { Logger } from "pino";
import { on } from "./validated-event.ts";
import type { DomainContext } from "../../domain/context.ts";
import { requireMember } from "../../domain/access.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import type { ChatServer, SocketData } from "../socket-broadcast.ts";

export const viewingRoom = (chatId: number) => `viewing:${chatId}`;

/** How long the adapter may take to gather the viewers from every node. */
const VIEWERS_WAIT_MS = 2000;

export function viewingHandlers(socket: Socket, ctx: DomainContext, log: Logger) {
  on(socket, "presence:viewing", log, async (p) => {
    const { userId } = socket.data as SocketData;
    // As often as typing, at most: a tab switching chats.
    await enforce(ctx.limiter, [[ctx.limits.typingPerUser, String(userId)]]);
    if (p.chat_id !== null) await requireMember(ctx, p.chat_id, userId);
    for (const room of socket.rooms) if (room.startsWith("viewing:")) await socket.leave(room);
    if (p.chat_id !== null) await socket.join(viewingRoom(p.chat_id));
    return { chat_id: p.chat_id };
  });
}

/** The sessions with a socket showing `chatId`, on every node (through the adapter). */
export function viewingSessions(io: ChatServer): (chatId: number) => Promise<Set<string>> {
  return async (chatId) => {
    let timer: NodeJS.Timeout | undefined;
    const sockets = await Promise.race([
      io.in(viewingRoom(chatId)).timeout(VIEWERS_WAIT_MS).fetchSockets(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("viewers: no answer in time")), VIEWERS_WAIT_MS + 500);
      }),
    ]).finally(() => clearTimeout(timer));
    const sids = new Set<string>();
    for (const s of sockets) {
      const sid = (s.data as SocketData).sid;
      if (sid) sids.add(sid);
    }
    return sids;
  };
}
