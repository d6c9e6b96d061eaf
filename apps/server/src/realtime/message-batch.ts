/**
 * Delivery coalescing. The messages of one chat that become visible in the same tick (a group commit
 * resolves up to hundreds at once) leave as one `message:batch` event — one frame per connection and
 * one Redis publish — instead of one `message:new` each. A lone message still leaves as `message:new`.
 *
 * Connections opt in with `auth: { token, batch: true }` (packages/client's ChatSocket does). For the
 * others, the node that holds the connection writes the batch's messages as `message:new`, one by one
 * and in seq order (local-delivery.ts), so a simple client never sees `message:batch` and the Redis
 * adapter still publishes once per batch.
 */
import type { ServerEventPayload } from "@chat/protocol";

type Message = ServerEventPayload<"message:new">;
type Emit = (
  chatId: number,
  event: "message:new" | "message:batch",
  payload: unknown,
  membersVersion: number | undefined,
) => void;

/**
 * Returns `deliver(chatId, message, membersVersion)`: collects messages per chat until the end of
 * the tick, then emits. A batch carries the newest members version of its messages (local-delivery.ts).
 */
export function messageCoalescer(
  emit: Emit,
): (chatId: number, message: Message, membersVersion: number | undefined) => void {
  const pending = new Map<number, { messages: Message[]; version: number | undefined }>();
  const flush = () => {
    const chats = [...pending];
    pending.clear();
    for (const [chatId, { messages, version }] of chats) {
      if (messages.length === 1) emit(chatId, "message:new", messages[0], version);
      else
        emit(
          chatId,
          "message:batch",
          { chat_id: chatId, messages: messages.sort((a, b) => a.seq - b.seq) },
          version,
        );
    }
  };
  return (chatId, message, version) => {
    // process.nextTick runs after the promise continuations of this tick: every send that one
    // group commit resolved has queued its message by then.
    if (pending.size === 0) process.nextTick(flush);
    const entry = pending.get(chatId);
    if (!entry) pending.set(chatId, { messages: [message], version });
    else {
      entry.messages.push(message);
      if (version !== undefined) entry.version = Math.max(entry.version ?? version, version);
    }
  };
}
