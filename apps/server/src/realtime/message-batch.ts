/**
 * Delivery coalescing. The messages of one chat that become visible in the same tick (a group commit
 * resolves up to hundreds at once) leave as one `message:batch` event — one frame per connection and
 * one Redis publish — instead of one `message:new` each. A lone message still leaves as `message:new`.
 *
 * Connections opt in with `auth: { token, batch: true }` (packages/client's ChatSocket does). For the
 * others, the node that holds the connection writes the batch's messages as `message:new`, one by one
 * and in seq order, so a simple client never sees `message:batch` and the Redis adapter still
 * publishes once per batch.
 */
import type { Namespace } from "socket.io";
import type { ServerEventPayload } from "@chat/protocol";

type Message = ServerEventPayload<"message:new">;
type Emit = (chatId: number, event: "message:new" | "message:batch", payload: unknown) => void;

/** Returns `deliver(chatId, message)`: collects messages per chat until the end of the tick, then emits. */
export function messageCoalescer(emit: Emit): (chatId: number, message: Message) => void {
  const pending = new Map<number, Message[]>();
  const flush = () => {
    const chats = [...pending];
    pending.clear();
    for (const [chatId, messages] of chats) {
      if (messages.length === 1) emit(chatId, "message:new", messages[0]);
      else
        emit(chatId, "message:batch", { chat_id: chatId, messages: messages.sort((a, b) => a.seq - b.seq) });
    }
  };
  return (chatId, message) => {
    // process.nextTick runs after the promise continuations of this tick: every send that one
    // group commit resolved has queued its message by then.
    if (pending.size === 0) process.nextTick(flush);
    const list = pending.get(chatId);
    if (list) list.push(message);
    else pending.set(chatId, [message]);
  };
}

interface Packet {
  type: number;
  data?: unknown[];
  nsp?: string;
}
interface PacketOpts {
  preEncoded?: boolean;
  volatile?: boolean;
  compress?: boolean;
}
interface BroadcastTarget {
  data?: { batch?: boolean };
  notifyOutgoingListeners?: (packet: Packet) => void;
  client: { writeToEngine(encoded: unknown[], opts: PacketOpts): void };
}
/** The two steps of socket.io-adapter's local broadcast (2.5): encode the packet once, then visit each socket. */
interface AdapterInternals {
  _encode(packet: Packet, opts: PacketOpts): unknown[];
  apply(opts: unknown, visit: (socket: BroadcastTarget) => void): void;
}

/**
 * Makes `message:batch` reach connections without the capability as `message:new` events. Works on
 * this node's local delivery step, which the in-memory, Redis and sharded Redis adapters all share
 * (a broadcast from another node arrives here through it too).
 */
export function unbatchForPlainClients(adapter: Namespace["adapter"]): void {
  const a = adapter as unknown as AdapterInternals;
  const encode = a._encode.bind(a);
  const apply = a.apply.bind(a);
  let encoded: { packet: Packet; opts: PacketOpts } | undefined;
  a._encode = (packet, opts) => {
    encoded = { packet, opts };
    return encode(packet, opts);
  };
  a.apply = (opts, visit) => {
    // The local broadcast encodes, then applies at once: `encoded` is this broadcast's packet.
    const current = encoded;
    encoded = undefined;
    const batch = current?.packet.data?.[0] === "message:batch" ? current : undefined;
    if (!batch) return apply(opts, visit);
    let singles: Array<{ packet: Packet; opts: PacketOpts; frames: unknown[] }> | undefined;
    apply(opts, (socket) => {
      if (socket.data?.batch === true) return visit(socket);
      singles ??= (batch.packet.data![1] as { messages: Message[] }).messages.map((m) => {
        const packet: Packet = { type: batch.packet.type, data: ["message:new", m], nsp: batch.packet.nsp };
        const opts: PacketOpts = {
          preEncoded: true,
          volatile: batch.opts.volatile,
          compress: batch.opts.compress,
        };
        return { packet, opts, frames: encode(packet, opts) };
      });
      for (const s of singles) {
        socket.notifyOutgoingListeners?.(s.packet);
        socket.client.writeToEngine(s.frames, s.opts);
      }
    });
  };
}
