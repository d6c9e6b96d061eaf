/** The domain's Broadcast over Socket.IO rooms; with the Redis adapter every call reaches every node. */
import type { Server } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "@chat/protocol";
import type { Broadcast } from "../domain/broadcast.ts";

export type ChatServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export interface SocketData {
  userId: number;
  name: string;
  /** Chats at handshake time; later changes arrive through socketsJoin/socketsLeave. */
  chatIds: number[];
}

export const userRoom = (id: number) => `user:${id}`;
export const chatRoom = (id: number) => `chat:${id}`;

/** `onEmit` sees every broadcast this node originates (metrics). */
export function socketBroadcast(
  io: ChatServer,
  onEmit?: (event: string, payload: unknown) => void,
): Broadcast {
  return {
    toChat(chatId, event, payload) {
      onEmit?.(event, payload);
      (io.to(chatRoom(chatId)).emit as (e: string, p: unknown) => void)(event, payload);
    },
    toUser(userId, event, payload) {
      onEmit?.(event, payload);
      (io.to(userRoom(userId)).emit as (e: string, p: unknown) => void)(event, payload);
    },
    joinChat(userId, chatId) {
      io.in(userRoom(userId)).socketsJoin(chatRoom(chatId));
    },
    leaveChat(userId, chatId) {
      io.in(userRoom(userId)).socketsLeave(chatRoom(chatId));
    },
  };
}
