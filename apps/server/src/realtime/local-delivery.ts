/**
 * This node's local delivery step: where a broadcast, whether this node originated it or it arrived
 * from another node through Redis, is written to the node's own sockets. The in-memory, classic Redis
 * and sharded Redis adapters all end in socket.io-adapter's `broadcast` → `_encode` + `apply`, so one
 * hook here serves all three. For broadcasts to `chat:<id>` rooms it
 *
 * 1. checks every socket's user against the membership view (membership-view.ts), which the database
 *    keeps true: a room that Redis failed to update grants nothing. A broadcast carries the chat's
 *    `members_version` it was sent under (a tag room in `except`, see socket-broadcast.ts); a view
 *    older than that is reloaded before the delivery, so a message sent after a removal committed
 *    never reaches the removed member, whatever Redis did with the `socketsLeave`;
 * 2. delivers new messages in seq order per chat: one that follows a gap (a later seq from another
 *    node overtook it through Redis) is held until the gap fills or `holdMs` passes;
 * 3. writes a `message:batch` / `receipt:batch` as single `message:new` / `receipt:read` events to
 *    connections without the capability (message-batch.ts, receipt-batch.ts);
 * 4. tells a socket `chat:added` / `chat:removed` once per change, whichever of the broadcast and the
 *    membership poll comes first (membership-notices.ts);
 * 5. hands new messages of a chat room (after steps 1 and 2), and fully-read notices and removals of a
 *    user room, to this node's origin WebSockets as the origin's text frames (origin-ws/registry.ts).
 */
import type { Namespace } from "socket.io";
import type { Logger } from "pino";
import type { MembershipView } from "./membership-view.ts";
import type { OriginSockets } from "./origin-ws/registry.ts";
import { parseVersionTag, type SocketData } from "./socket-broadcast.ts";
import { isNewNotice } from "./membership-notices.ts";
import type { ServerEventPayload } from "@chat/protocol";

type Message = ServerEventPayload<"message:new">;

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
interface BroadcastOpts {
  rooms: Set<string>;
  except?: Set<string>;
}
interface Target {
  data?: Partial<SocketData>;
  notifyOutgoingListeners?: (packet: Packet) => void;
  client: { writeToEngine(encoded: unknown[], opts: PacketOpts): void };
}
/** The two steps of socket.io-adapter's local broadcast (2.5): encode the packet once, then visit each socket. */
interface AdapterInternals {
  _encode(packet: Packet, opts: PacketOpts): unknown[];
  apply(opts: BroadcastOpts, visit: (socket: Target) => void): void;
}

export interface LocalDeliveryOptions {
  view: MembershipView;
  /** How long a message waits behind a seq gap before it is passed on anyway. */
  holdMs: number;
  log: Logger;
  /** This node's origin WebSockets: written after the Socket.IO sockets, under the same checks. */
  origin?: OriginSockets;
}

/** One broadcast to chat rooms, waiting for its turn. */
interface Item {
  chats: number[];
  version?: number;
  /** First and last seq of the new messages it carries (message:new / message:batch). */
  seqs?: [number, number];
  /** Delivers it now; answers how many sockets it reached. */
  run(): number;
}

interface ChatState {
  /** Waiting for the view of the chat to load, in arrival order. */
  queue: Item[];
  loading: boolean;
  /** The seq this node expects next for the chat (unknown until its first message here). */
  next?: number;
  /** Messages behind a gap, by first seq. */
  held: Item[];
  timer?: NodeJS.Timeout;
  usedAt: number;
}

const LOAD_DEADLINE_MS = 5000;
const LOAD_RETRY_MS = 100;
/** A chat with nothing held or queued for this long forgets its expected seq (bounded memory). */
const IDLE_MS = 30_000;

export function hookLocalDelivery(adapter: Namespace["adapter"], o: LocalDeliveryOptions): () => void {
  const a = adapter as unknown as AdapterInternals;
  const encode = a._encode.bind(a);
  const apply = a.apply.bind(a);
  let encoded: { packet: Packet; opts: PacketOpts } | undefined;
  a._encode = (packet, opts) => {
    encoded = { packet, opts };
    return encode(packet, opts);
  };
  const chats = new Map<number, ChatState>();

  a.apply = (opts, visit) => {
    // A local broadcast encodes, then applies at once: `encoded` is this broadcast's packet. Other
    // callers of apply (socketsJoin, fetchSockets…) encode nothing and pass straight through.
    const current = encoded;
    encoded = undefined;
    if (!current) return apply(opts, visit);
    const ids = chatIdsOf(opts.rooms);
    if (ids.length === 0) {
      o.origin?.toUsers(opts.rooms, current.packet.data);
      return apply(opts, noRepeatedNotice(current.packet, visit));
    }
    const item: Item = {
      chats: ids,
      version: versionOf(opts.except),
      seqs: seqsOf(current.packet),
      run: () => {
        let reached = 0;
        const deliver = unbatching(current, encode, visit);
        apply(opts, (socket) => {
          const userId = socket.data?.userId;
          if (userId === undefined || !ids.some((c) => o.view.isMember(c, userId))) return;
          reached++;
          deliver(socket);
        });
        return reached + (o.origin?.toChats(ids, current.packet.data, (c, u) => o.view.isMember(c, u)) ?? 0);
      },
    };
    submit(item);
  };

  function submit(item: Item) {
    if (item.chats.length > 1) {
      // Several chats at once (presence to everyone who shares a chat): no order to keep.
      if (!item.chats.some((c) => o.view.needsLoad(c))) return void item.run();
      void loadThen(item.chats, undefined).then((ok) => (ok ? item.run() : dropped(item)));
      return;
    }
    const st = stateOf(item.chats[0]);
    if (st.loading) return void st.queue.push(item);
    if (o.view.needsLoad(item.chats[0], item.version)) {
      st.queue.push(item);
      st.loading = true;
      void loadThen(item.chats, item.version).then((ok) => {
        st.loading = false;
        for (const queued of st.queue.splice(0)) {
          if (ok) inOrder(st, queued);
          else dropped(queued);
        }
      });
      return;
    }
    inOrder(st, item);
  }

  /**
   * Loads until the view is at least at `version`; false if the database could not say within
   * LOAD_DEADLINE_MS. (A load may also be discarded because a change was heard of meanwhile: then
   * it is simply read again.)
   */
  async function loadThen(ids: number[], version: number | undefined): Promise<boolean> {
    const deadline = Date.now() + LOAD_DEADLINE_MS;
    let lastError: unknown;
    for (;;) {
      try {
        await o.view.load(ids);
        if (!ids.some((c) => o.view.needsLoad(c, version))) return true;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= deadline) {
        o.log.warn({ err: lastError, chats: ids, version }, "could not read chat members");
        return false;
      }
      await new Promise((r) => setTimeout(r, LOAD_RETRY_MS));
    }
  }

  /** Membership unknown: deliver to nobody rather than to someone who may have been removed. */
  function dropped(item: Item) {
    o.log.warn({ chats: item.chats }, "broadcast dropped: chat members unknown (clients catch up by sync)");
  }

  function inOrder(st: ChatState, item: Item) {
    st.usedAt = Date.now();
    if (!item.seqs || st.next === undefined || item.seqs[0] <= st.next) {
      pass(st, item);
      release(st, false);
      return;
    }
    // A gap: an earlier message is still on its way (from another node). Hold this one briefly.
    const at = st.held.findIndex((h) => h.seqs![0] > item.seqs![0]);
    st.held.splice(at === -1 ? st.held.length : at, 0, item);
    st.timer ??= setTimeout(() => release(st, true), o.holdMs);
  }

  function pass(st: ChatState, item: Item) {
    const reached = item.run();
    if (!item.seqs) return;
    // Nobody here got it: there is no order to keep for anyone, and a gap this node never sees
    // (a sharded adapter not subscribed to the chat meanwhile) must not hold the next message up.
    st.next = reached === 0 ? undefined : Math.max(st.next ?? 0, item.seqs[1] + 1);
  }

  /** Passes on what no longer waits behind a gap, or (the hold time is up) everything held. */
  function release(st: ChatState, timeUp: boolean) {
    if (timeUp) st.timer = undefined;
    while (st.held.length > 0 && (timeUp || st.next === undefined || st.held[0].seqs![0] <= st.next)) {
      pass(st, st.held.shift()!);
    }
    if (st.held.length === 0 && st.timer) {
      clearTimeout(st.timer);
      st.timer = undefined;
    }
  }

  function stateOf(chatId: number): ChatState {
    let st = chats.get(chatId);
    if (!st) chats.set(chatId, (st = { queue: [], loading: false, held: [], usedAt: Date.now() }));
    return st;
  }

  const sweep = setInterval(() => {
    const before = Date.now() - IDLE_MS;
    for (const [id, st] of chats)
      if (st.usedAt < before && !st.loading && st.held.length === 0) chats.delete(id);
  }, IDLE_MS);
  sweep.unref();
  return () => clearInterval(sweep);
}

/** A `chat:added` / `chat:removed` goes to a socket only if the membership poll has not told it already. */
function noRepeatedNotice(packet: Packet, visit: (socket: Target) => void): (socket: Target) => void {
  const [event, payload] = packet.data ?? [];
  if (event !== "chat:added" && event !== "chat:removed") return visit;
  const chatId =
    event === "chat:added"
      ? (payload as ServerEventPayload<"chat:added">).chat.id
      : (payload as ServerEventPayload<"chat:removed">).chat_id;
  return (socket) => {
    if (isNewNotice(socket, chatId, event)) visit(socket);
  };
}

function chatIdsOf(rooms: Set<string>): number[] {
  if (rooms.size === 0) return [];
  const ids: number[] = [];
  for (const r of rooms) {
    // Only broadcasts aimed at chat rooms alone: a user room (chat:added…) is not a chat's.
    if (!r.startsWith("chat:")) return [];
    ids.push(Number(r.slice(5)));
  }
  return ids;
}

function versionOf(except: Set<string> | undefined): number | undefined {
  if (!except) return undefined;
  for (const r of except) {
    const v = parseVersionTag(r);
    if (v !== undefined) return v;
  }
  return undefined;
}

function seqsOf(packet: Packet): [number, number] | undefined {
  const [event, payload] = packet.data ?? [];
  if (event === "message:new") {
    const seq = (payload as Message).seq;
    return [seq, seq];
  }
  if (event === "message:batch") {
    const ms = (payload as { messages: Message[] }).messages;
    return [ms[0].seq, ms[ms.length - 1].seq];
  }
  return undefined;
}

/** The single events a batch stands for, in order, for connections without `auth.batch`. */
function singlesOf(data: unknown[] | undefined): Array<[string, unknown]> | undefined {
  const [event, payload] = data ?? [];
  if (event === "message:batch")
    return (payload as { messages: Message[] }).messages.map((m) => ["message:new", m]);
  if (event === "receipt:batch") {
    const { chat_id, reads } = payload as ServerEventPayload<"receipt:batch">;
    return reads.map((r) => ["receipt:read", { chat_id, ...r }]);
  }
  return undefined;
}

/**
 * Writes the packet to one socket; a `message:batch` or `receipt:batch` goes to connections without
 * the capability as its single `message:new` / `receipt:read` events, one by one and in order
 * (encoded once per broadcast).
 */
function unbatching(
  batch: { packet: Packet; opts: PacketOpts },
  encode: AdapterInternals["_encode"],
  visit: (socket: Target) => void,
): (socket: Target) => void {
  const events = singlesOf(batch.packet.data);
  if (!events) return visit;
  let singles: Array<{ packet: Packet; opts: PacketOpts; frames: unknown[] }> | undefined;
  return (socket) => {
    if (socket.data?.batch === true) return visit(socket);
    singles ??= events.map((data) => {
      const packet: Packet = { type: batch.packet.type, data, nsp: batch.packet.nsp };
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
  };
}
