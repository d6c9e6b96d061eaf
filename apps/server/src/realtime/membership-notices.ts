/**
 * `chat:added` and `chat:removed` reach each socket once per change. Two paths tell a socket that its
 * user joined or left a chat: the change's own broadcast to the user's room (domain/chats.ts, through
 * the adapter) and the membership poll's reconcile (membership-sync.ts), the safety net for a Redis
 * message that never came. When the poll runs on a node before the adapter's publish lands there,
 * both reach the socket. So a socket remembers the last notice it was told per chat and is not told
 * the same one twice in a row: added, removed and added again all arrive; a repeat does not.
 */
export type MembershipNotice = "chat:added" | "chat:removed";

const told = new WeakMap<object, Map<number, MembershipNotice>>();

/** True (and remembered) when `notice` about `chatId` is news to `socket`; false for a repeat. */
export function isNewNotice(socket: object, chatId: number, notice: MembershipNotice): boolean {
  let chats = told.get(socket);
  if (!chats) told.set(socket, (chats = new Map()));
  if (chats.get(chatId) === notice) return false;
  chats.set(chatId, notice);
  return true;
}
