/**
 * Hostile socket events: every client event of packages/protocol with a valid baseline payload
 * broken in one to three ways, plus unknown event names and wrong argument counts. As for REST,
 * each case knows whether the server would accept it (same zod schema over the payload as it
 * arrives after Socket.IO's encoding), so valid-by-chance cases can be left out.
 */
import fc from "fast-check";
import { clientEvents, type ClientEventName } from "@chat/protocol";
import { badNumber, badString, extraKey, hostileJson, protoObject, PROTO_KEYS } from "./values.ts";

export interface SocketWorld {
  chatId: number;
  messageId: number;
  /** The socket's own access token (a valid `auth:renew`). */
  token: string;
}

export interface SocketCase {
  event: string;
  /** The arguments before the ack callback. */
  args: unknown[];
  what: string[];
  valid: boolean;
}

/** Names socket.io-client refuses to emit (and the server's parser refuses to receive). */
const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

export const EVENT_NAMES = Object.keys(clientEvents) as ClientEventName[];

function baseline(event: ClientEventName, w: SocketWorld): Record<string, unknown> {
  switch (event) {
    case "message:send":
      return { chat_id: w.chatId, client_id: crypto.randomUUID(), text: "hello" };
    case "message:read":
      return { chat_id: w.chatId, seq: 1 };
    case "message:edit":
      return { chat_id: w.chatId, message_id: w.messageId, text: "edited" };
    case "message:delete":
      return { chat_id: w.chatId, message_id: w.messageId };
    case "typing":
      return { chat_id: w.chatId, is_typing: true };
    case "reaction:toggle":
      return { chat_id: w.chatId, message_id: w.messageId, emoji: "👍" };
    case "search":
      return { q: "hello", chat_id: w.chatId, limit: 5 };
    case "sync":
      return { chats: [{ chat_id: w.chatId, after_seq: 0 }], limit: 10 };
    case "auth:renew":
      return { token: w.token };
    case "mls:send":
      return {
        chat_id: w.chatId,
        client_id: crypto.randomUUID(),
        data: Buffer.from("garbage").toString("base64"),
      };
    case "mls:welcomes":
      return { limit: 10 };
    case "mls:welcome_ack":
      return { ids: [1] };
    case "presence:viewing":
      return { chat_id: w.chatId };
    case "device:bind":
      return { device_id: crypto.randomUUID() };
    default: {
      const never: never = event;
      throw new Error(`no baseline for ${String(never)}`);
    }
  }
}

const isBinary = (v: unknown) => Buffer.isBuffer(v) || v instanceof Uint8Array;

function hasBinary(v: unknown, depth = 0): boolean {
  if (isBinary(v)) return true;
  if (depth > 2000 || v === null || typeof v !== "object") return false;
  return Object.values(v).some((x) => hasBinary(x, depth + 1));
}

/**
 * A payload as the server receives it: JSON semantics (undefined dropped, NaN → null), binary
 * kept. A packet with binary is rebuilt key by key on both ends (socket.io-parser), where a
 * `__proto__` key is assigned, not defined: it vanishes on the way.
 */
export function onTheWire(v: unknown): unknown {
  const binary = hasBinary(v);
  const walk = (x: unknown, inArray: boolean): unknown => {
    if (x === undefined) return inArray ? null : undefined;
    if (typeof x === "number") return Number.isFinite(x) ? (Object.is(x, -0) ? 0 : x) : null;
    if (isBinary(x)) return Buffer.from(x as Uint8Array);
    if (Array.isArray(x)) return x.map((y) => walk(y, true));
    if (x !== null && typeof x === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x)) {
        if (binary && k === "__proto__") continue;
        const y = walk((x as Record<string, unknown>)[k], false);
        if (y !== undefined) Object.defineProperty(out, k, { value: y, enumerable: true, writable: true });
      }
      return out;
    }
    return x;
  };
  return walk(v, true);
}

const socketHostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileJson },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, Number.NaN, Infinity, -Infinity) },
);

type Mutation = (p: { args: unknown[]; what: string[] }) => { args: unknown[]; what: string[] };

const payloadOf = (args: unknown[]) => {
  const p = args[0];
  return p !== null && typeof p === "object" && !Array.isArray(p) && !Buffer.isBuffer(p)
    ? (p as Record<string, unknown>)
    : {};
};
const withPayload = (c: { args: unknown[]; what: string[] }, p: unknown, what: string) => ({
  args: [p, ...c.args.slice(1)],
  what: [...c.what, what],
});

function mutations(fields: string[]): fc.Arbitrary<Mutation>[] {
  const field = fc.constantFrom(...fields);
  return [
    fc.tuple(field, socketHostile).map(
      ([f, v]) =>
        (c) =>
          withPayload(c, { ...payloadOf(c.args), [f]: v }, `${f}=${show(v)}`),
    ),
    fc
      .tuple(
        field,
        fc.oneof(
          badNumber,
          badString.filter((s) => s.length < 30_000),
        ),
      )
      .map(
        ([f, v]) =>
          (c) =>
            withPayload(c, { ...payloadOf(c.args), [f]: v }, `${f}=${show(v)}`),
      ),
    field.map((f) => (c) => {
      const p = { ...payloadOf(c.args) };
      delete p[f];
      return withPayload(c, p, `without ${f}`);
    }),
    fc.tuple(extraKey, socketHostile).map(([k, v]) => (c) => {
      const p = { ...payloadOf(c.args) };
      Object.defineProperty(p, k, { value: v, enumerable: true, writable: true, configurable: true });
      return withPayload(c, p, `extra ${JSON.stringify(k)}`);
    }),
    protoObject.map(
      (o) => (c) => withPayload(c, { ...payloadOf(c.args), ...o }, `proto ${JSON.stringify(o)}`),
    ),
    socketHostile.map((v) => (c) => withPayload(c, v, `payload ${show(v)}`)),
    fc.constantFrom(0, 2, 3).map((n) => (c) => ({
      args: n === 0 ? [] : [...c.args, ...Array.from({ length: n - 1 }, () => payloadOf(c.args))],
      what: [...c.what, `${n} payload arguments`],
    })),
  ];
}

function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 40 ? `${s.slice(0, 37)}…(${s.length})` : s;
  } catch {
    return typeof v;
  }
}

/** Hostile emits of one known event. */
export function socketCases(event: ClientEventName, w: SocketWorld): fc.Arbitrary<SocketCase> {
  const base = baseline(event, w);
  const fields = event === "message:read" ? ["chat_id", "seq", "message_id"] : Object.keys(base);
  return fc
    .array(fc.oneof(...mutations(fields)), { minLength: 1, maxLength: 3 })
    .map((ms) => {
      const c = ms.reduce((acc, m) => m(acc), { args: [base] as unknown[], what: [] as string[] });
      const wire = c.args.map((a) => onTheWire(a));
      const valid = wire.length === 1 && clientEvents[event].safeParse(wire[0]).success;
      return { event, args: c.args, what: c.what, valid };
    })
    .filter(fitsOneFrame);
}

/**
 * Frames past 64 KB are refused by size and the connection dropped (a test of its own); the
 * property cases stay below so that every one reaches the handlers.
 */
function fitsOneFrame(c: SocketCase): boolean {
  let binary = 0;
  const json = JSON.stringify(c.args, (_k, v: unknown) => {
    if (v && typeof v === "object" && (v as { type?: string }).type === "Buffer") {
      binary += ((v as { data: unknown[] }).data ?? []).length;
      return 0;
    }
    return v;
  });
  return Buffer.byteLength(json ?? "") + binary < 60_000;
}

/** Events the server does not know, including names that live on every object's prototype. */
export const unknownEventCases: fc.Arbitrary<SocketCase> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(
        ...PROTO_KEYS,
        "toString",
        "valueOf",
        "hasOwnProperty",
        "__defineGetter__",
        "message:new",
        "MESSAGE:SEND",
        "message:send ",
      ),
      fc.string({ unit: "binary", minLength: 1, maxLength: 20 }).filter((e) => !RESERVED.includes(e)),
    ),
    socketHostile,
  )
  .map(([event, payload]) => ({
    event,
    args: [payload],
    what: [`event ${JSON.stringify(event)}`],
    valid: Object.hasOwn(clientEvents, event),
  }))
  .filter(fitsOneFrame);
