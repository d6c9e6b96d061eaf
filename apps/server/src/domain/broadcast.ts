/**
 * The domain's one way out to connected devices. The realtime layer implements it over Socket.IO
 * rooms (and so, with the Redis adapter, across every node); without sockets it does nothing.
 */
import type { ServerEventName, ServerEventPayload } from "@chat/protocol";

/** What a chat broadcast was sent under. */
export interface ChatDelivery {
  /**
   * The chat's `members_version` read in the transaction that made the event (a send's group
   * commit, a member change). A node whose view of the chat's members is older reloads it from the
   * database before delivering, so a member removed before the event committed never gets it.
   */
  membersVersion?: number;
}

export interface Broadcast {
  toChat<E extends ServerEventName>(
    chatId: number,
    event: E,
    payload: ServerEventPayload<E>,
    delivery?: ChatDelivery,
  ): void;
  toUser<E extends ServerEventName>(userId: number, event: E, payload: ServerEventPayload<E>): void;
  /** The sockets of one device (encrypted chats: Welcomes), on every node. */
  toDevice<E extends ServerEventName>(deviceId: string, event: E, payload: ServerEventPayload<E>): void;
  /** Disconnects every socket of a removed device, on every node. */
  dropDevice(deviceId: string): void;
  /** Every device of the user, on every node, joins / leaves the chat's room (a fast path: nodes also reconcile from the database). */
  joinChat(userId: number, chatId: number): void;
  leaveChat(userId: number, chatId: number): void;
}
