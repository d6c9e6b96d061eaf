/**
 * The domain's one way out to connected devices. The realtime layer implements it over Socket.IO
 * rooms (and so, with the Redis adapter, across every node); without sockets it does nothing.
 */
import type { ServerEventName, ServerEventPayload } from "@chat/protocol";

export interface Broadcast {
  toChat<E extends ServerEventName>(chatId: number, event: E, payload: ServerEventPayload<E>): void;
  toUser<E extends ServerEventName>(userId: number, event: E, payload: ServerEventPayload<E>): void;
  /** Every device of the user, on every node, joins / leaves the chat's room. */
  joinChat(userId: number, chatId: number): void;
  leaveChat(userId: number, chatId: number): void;
}

export const noBroadcast: Broadcast = {
  toChat() {},
  toUser() {},
  joinChat() {},
  leaveChat() {},
};
