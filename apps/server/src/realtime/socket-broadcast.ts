/** The domain's Broadcast over Socket.IO rooms; with the Redis adapter every call reaches every node. */
import type { Server } from "socket.io";
import type { ClientToServerEvents, ServerEventPayload, ServerToClientEvents } from "@chat/protocol";
import type { Broadcast } from "../domain/broadcast.ts";
import { messageCoalescer } from "./message-batch.ts";
import type { MembershipView } from "./membership-view.ts";
import type { Revoked } from "../auth/revocations.ts";

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** What nodes tell each other through the adapter (`serverSideEmit`). */
export interface InterServerEvents {
  /** Sessions and accounts a node just ended (auth/revocation-push.ts). */
  "auth:revoked": (ends: Revoked) => void;
}
export interface SocketData {
  userId: number;
  name: string;
  /** Chats at handshake time, until the socket has joined their rooms (then emptied); later changes arrive through socketsJoin/socketsLeave and membership-sync.ts. */
  chatIds: number[];
  /** The connection takes `message:batch` (auth.batch); otherwise it gets `message:new` only. */
  batch: boolean;
  /** The session of the handshake's token (absent for a token issued before sessions existed). */
  sid?: string;
  /** The registered device this socket speaks for (auth.device_id; encrypted chats need it). */
  deviceId?: string;
}

export const userRoom = (id: number) => `user:${id}`;
/** Every socket of one login session, so ending the session can drop them (auth/revocations.ts). */
export const sessionRoom = (sid: string) => `session:${sid}`;
/**
 * Room names of chats, one string per chat id: a socket's set of rooms then holds references to the
 * strings the adapter's room map already keys on, not copies — a user in 3,000 chats made each of
 * its sockets carry 3,000 fresh strings (~100 KB). Forgotten all at once past ROOM_NAMES_MAX
 * (the names are equal by value whatever instance a caller holds).
 */
const roomNames = new Map<number, string>();
const ROOM_NAMES_MAX = 200_000;
export function chatRoom(id: number): string {
  let name = roomNames.get(id);
  if (name === undefined) {
    if (roomNames.size >= ROOM_NAMES_MAX) roomNames.clear();
    roomNames.set(id, (name = `chat:${id}`));
  }
  return name;
}
/** Every socket of one registered device (issue 17). */
export const deviceRoom = (id: string) => `device:${id.toLowerCase()}`;

/**
 * A chat broadcast's members version travels as a room in its `except` list: every adapter (memory,
 * Redis, sharded) carries `except` to every node's local delivery, no socket ever joins such a room,
 * and local-delivery.ts reads it back.
 */
const VERSION_TAG = "members-v:";
export const versionTag = (v: number) => `${VERSION_TAG}${v}`;
export function parseVersionTag(room: string): number | undefined {
  return room.startsWith(VERSION_TAG) ? Number(room.slice(VERSION_TAG.length)) : undefined;
}

/** `onEmit` sees every broadcast this node originates (metrics). */
export function socketBroadcast(
  io: ChatServer,
  view: MembershipView,
  onEmit?: (event: string, payload: unknown) => void,
): Broadcast {
  const emitToChat = (chatId: number, event: string, payload: unknown, version?: number) => {
    onEmit?.(event, payload);
    const to = io.to(chatRoom(chatId));
    ((version === undefined ? to : to.except(versionTag(version))).emit as (e: string, p: unknown) => void)(
      event,
      payload,
    );
  };
  // New messages of one chat in one tick leave together (message-batch.ts).
  const deliver = messageCoalescer(emitToChat);
  return {
    toChat(chatId, event, payload, delivery) {
      if (event === "message:new")
        deliver(chatId, payload as ServerEventPayload<"message:new">, delivery?.membersVersion);
      else emitToChat(chatId, event, payload, delivery?.membersVersion);
    },
    toUser(userId, event, payload) {
      onEmit?.(event, payload);
      (io.to(userRoom(userId)).emit as (e: string, p: unknown) => void)(event, payload);
    },
    toDevice(deviceId, event, payload) {
      onEmit?.(event, payload);
      (io.to(deviceRoom(deviceId)).emit as (e: string, p: unknown) => void)(event, payload);
    },
    dropDevice(deviceId) {
      io.in(deviceRoom(deviceId)).disconnectSockets(true);
    },
    // A change made here is known here at once; other nodes learn it from the broadcasts' versions
    // and the change log (membership-sync.ts), whatever becomes of these publishes.
    joinChat(userId, chatId) {
      view.invalidate(chatId);
      io.in(userRoom(userId)).socketsJoin(chatRoom(chatId));
    },
    leaveChat(userId, chatId) {
      view.invalidate(chatId);
      io.in(userRoom(userId)).socketsLeave(chatRoom(chatId));
    },
  };
}
