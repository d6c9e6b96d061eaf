/** The domain's Broadcast over Socket.IO rooms; with the Redis adapter every call reaches every node. */
import type { Server } from "socket.io";
import type { ClientToServerEvents, ServerEventPayload, ServerToClientEvents } from "@chat/protocol";
import type { Broadcast } from "../domain/broadcast.ts";
import { messageCoalescer } from "./message-batch.ts";

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
  /** The connection takes `message:batch` (auth.batch); otherwise it gets `message:new` only. */
  batch: boolean;
}

export const userRoom = (id: number) => `user:${id}`;
export const chatRoom = (id: number) => `chat:${id}`;

/** `onEmit` sees every broadcast this node originates (metrics). */
export function socketBroadcast(
  io: ChatServer,
  onEmit?: (event: string, payload: unknown) => void,
): Broadcast {
  const emitToChat = (chatId: number, event: string, payload: unknown) => {
    onEmit?.(event, payload);
    (io.to(chatRoom(chatId)).emit as (e: string, p: unknown) => void)(event, payload);
  };
  // New messages of one chat in one tick leave together (message-batch.ts).
  const deliver = messageCoalescer(emitToChat);
  return {
    toChat(chatId, event, payload) {
      if (event === "message:new") deliver(chatId, payload as ServerEventPayload<"message:new">);
      else emitToChat(chatId, event, payload);
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
