/**
 * The AsyncAPI 3 document of the Socket.IO protocol, generated from packages/protocol's event
 * schemas: one channel per event name, a `send` operation (with its ack as the reply) per
 * client→server event and a `receive` operation per server→client event.
 */
import { z } from "zod";
import {
  clientEvents,
  ErrorBodySchema,
  errorCodes,
  MessageSchema,
  ReadAckSchema,
  SearchResponse,
  SendMessageResponse,
  serverEvents,
  SyncAckSchema,
  ToggleReactionResponse,
  type ClientEventName,
  WelcomeSchema,
} from "@chat/protocol";

/** The `data` of each client event's successful ack. */
const ackData: Record<ClientEventName, z.ZodType> = {
  "message:send": SendMessageResponse,
  "message:read": ReadAckSchema,
  "message:edit": MessageSchema,
  "message:delete": MessageSchema,
  typing: z.strictObject({}),
  "reaction:toggle": ToggleReactionResponse,
  search: SearchResponse,
  sync: SyncAckSchema,
  "auth:renew": z.object({ expires_in: z.number().int() }).meta({ id: "AuthRenewAck" }),
  "mls:send": SendMessageResponse,
  "mls:welcomes": z.object({ welcomes: z.array(WelcomeSchema) }).meta({ id: "MlsWelcomesAck" }),
  "mls:welcome_ack": z.object({ deleted: z.number().int() }).meta({ id: "MlsWelcomeAckAck" }),
  "presence:viewing": z.object({ chat_id: z.number().int().nullable() }).meta({ id: "PresenceViewingAck" }),
  "device:bind": z.object({ device_id: z.uuid() }).meta({ id: "DeviceBindAck" }),
};

const ack = (data: z.ZodType) =>
  z.union([
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorBodySchema }),
  ]);

/**
 * Named schemas go to `components.schemas` and every reference points there: a `#/…` reference
 * inside a payload is resolved against the whole document, so zod's per-schema `definitions`
 * cannot stay where it puts them. AsyncAPI's default schema format is JSON Schema draft-07.
 */
class SchemaSet {
  readonly schemas: Record<string, unknown> = {};

  add(schema: z.ZodType, io: "input" | "output"): unknown {
    const js = z.toJSONSchema(schema, { target: "draft-7", io, unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    const defs = (js.definitions ?? {}) as Record<string, unknown>;
    delete js.definitions;
    delete js.$schema;
    const relink = (v: unknown) =>
      JSON.parse(JSON.stringify(v).replaceAll('"#/definitions/', '"#/components/schemas/')) as unknown;
    for (const [name, def] of Object.entries(defs)) {
      const body = relink(def);
      const known = this.schemas[name];
      if (known !== undefined && JSON.stringify(known) !== JSON.stringify(body)) {
        throw new Error(`Two different schemas are both named ${name}: give one another .meta({ id })`);
      }
      this.schemas[name] = body;
    }
    return relink(js);
  }
}

export function buildAsyncApi(version: string) {
  const set = new SchemaSet();
  const channels: Record<string, { address: string; messages: Record<string, unknown> }> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const key = (e: string) => e.replace(/[^a-zA-Z0-9]/g, "_");
  const channel = (name: string) => {
    channels[key(name)] ??= { address: name, messages: {} };
    return `#/channels/${key(name)}`;
  };
  const message = (id: string, name: string, payload: unknown, channelName: string) => {
    messages[id] = { name, payload };
    channels[key(channelName)].messages[id] = { $ref: `#/components/messages/${id}` };
    return { $ref: `#/channels/${key(channelName)}/messages/${id}` };
  };

  for (const [name, schema] of Object.entries(clientEvents) as [ClientEventName, z.ZodType][]) {
    const k = key(name);
    const ref = channel(name);
    const request = message(k, name, set.add(schema, "input"), name);
    const reply = message(`${k}_ack`, `${name} ack`, set.add(ack(ackData[name]), "output"), name);
    operations[`send_${k}`] = {
      action: "send",
      channel: { $ref: ref },
      messages: [request],
      summary: `Client emits "${name}" with an ack callback`,
      description:
        "The ack is `{ok: true, data}` or `{ok: false, error: {code, message, details?}}` with a code from the error catalogue.",
      reply: { channel: { $ref: ref }, messages: [reply] },
    };
  }
  for (const [name, schema] of Object.entries(serverEvents) as [string, z.ZodType][]) {
    const k = key(name);
    const ref = channel(name);
    const id = k in messages ? `${k}_server` : k;
    operations[`receive_${k}`] = {
      action: "receive",
      channel: { $ref: ref },
      messages: [message(id, name, set.add(schema, "output"), name)],
    };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Chat cluster realtime protocol (Socket.IO)",
      version,
      description:
        "Connect with the Socket.IO client: `io(url, { auth: { token } })` where token is POST /api/v1/token's access_token (the origin's POST /token gives the same token). " +
        "Add `batch: true` to auth to receive several new messages of a chat as one `message:batch` event " +
        "and several members' read cursors of a chat as one `receipt:batch`; " +
        "without it every new message arrives as its own `message:new` and every read as its own `receipt:read`. " +
        "A refused handshake gives connect_error with data {code, message, retryable}; codes: " +
        errorCodes.join(", ") +
        ". A node too busy with handshakes (a reconnect storm) refuses with `unavailable` and `retry_after_ms`, " +
        "as a `rate_limited` refusal does: retry after at least that long, with jitter. " +
        "After any reconnect, emit `sync` with the last seq seen per chat.",
    },
    defaultContentType: "application/json",
    channels,
    operations,
    components: { messages, schemas: set.schemas },
  };
}
