/**
 * Read-receipt coalescing, as message-batch.ts does for messages. Every member's read goes to every
 * member of the chat, so in a 500-member group where everyone reads what arrives, one `receipt:read`
 * per read made ~13 frames per delivered message. The reads of one chat that become known in the same
 * tick (the receipts group commit resolves many at once) leave as one `receipt:batch` — one frame per
 * connection and one Redis publish — carrying the latest cursor of each reader, in the order they
 * first read in the tick. A lone read still leaves as `receipt:read`. RECEIPT_BATCH_MS > 0 collects for
 * that long instead: fewer frames again in big busy groups, every read tick that much later
 * (docs/performance.md, "Read receipts in a 500-member group").
 *
 * Connections opt in with `auth.batch` (as for `message:batch`); for the others the node that holds
 * the connection writes one `receipt:read` per entry, in the batch's order (local-delivery.ts).
 * Cursors only grow, so dropping an earlier cursor of the same reader loses nothing a client keeps.
 */
import type { ServerEventPayload } from "@chat/protocol";

type Read = ServerEventPayload<"receipt:read">;
type Emit = (chatId: number, event: "receipt:read" | "receipt:batch", payload: unknown) => void;

/**
 * Returns `deliver(read)`: collects reads per chat until the end of the tick (or for `windowMs`, when
 * above 0), then emits.
 */
export function receiptCoalescer(emit: Emit, windowMs = 0): (read: Read) => void {
  /** Per chat: reader → latest cursor (a Map keeps the first-read order). */
  const pending = new Map<number, Map<number, number>>();
  const flush = () => {
    const chats = [...pending];
    pending.clear();
    for (const [chatId, readers] of chats) {
      if (readers.size === 1) {
        const [[userId, seq]] = readers;
        emit(chatId, "receipt:read", { chat_id: chatId, user_id: userId, last_read_seq: seq });
      } else {
        const reads = [...readers].map(([userId, seq]) => ({ user_id: userId, last_read_seq: seq }));
        emit(chatId, "receipt:batch", { chat_id: chatId, reads });
      }
    }
  };
  return (read) => {
    // process.nextTick runs after the promise continuations of this tick: every read that one
    // group commit resolved has been queued by then.
    if (pending.size === 0) {
      if (windowMs > 0) setTimeout(flush, windowMs);
      else process.nextTick(flush);
    }
    let readers = pending.get(read.chat_id);
    if (!readers) pending.set(read.chat_id, (readers = new Map()));
    readers.set(read.user_id, Math.max(readers.get(read.user_id) ?? 0, read.last_read_seq));
  };
}
