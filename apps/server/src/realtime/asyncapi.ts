/** The AsyncAPI 3 document of the Socket.IO protocol, generated from packages/protocol's event schemas. */
import { z } from "zod";
import { clientEvents, errorCodes, serverEvents } from "@chat/protocol";

const json = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" });

export function buildAsyncApi(version: string) {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const key = (e: string) => e.replace(/[^a-zA-Z0-9]/g, "_");
  for (const [name, schema] of Object.entries(clientEvents)) {
    const k = key(name);
    messages[k] = { name, payload: json(schema) };
    channels[k] = { address: name, messages: { [k]: { $ref: `#/components/messages/${k}` } } };
    operations[`send_${k}`] = {
      action: "send",
      channel: { $ref: `#/channels/${k}` },
      summary: `Client emits "${name}" with an ack callback: {ok: true, data} or {ok: false, error: {code, message, details?}}`,
    };
  }
  for (const [name, schema] of Object.entries(serverEvents)) {
    const k = key(name);
    if (messages[k]) {
      messages[`${k}_server`] = { name, payload: json(schema) };
      (channels[k] as { messages: Record<string, unknown> }).messages[`${k}_server`] = {
        $ref: `#/components/messages/${k}_server`,
      };
      operations[`receive_${k}`] = { action: "receive", channel: { $ref: `#/channels/${k}` } };
      continue;
    }
    messages[k] = { name, payload: json(schema) };
    channels[k] = { address: name, messages: { [k]: { $ref: `#/components/messages/${k}` } } };
    operations[`receive_${k}`] = { action: "receive", channel: { $ref: `#/channels/${k}` } };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Chat cluster realtime protocol (Socket.IO)",
      version,
      description:
        "Connect with the Socket.IO client: `io(url, { auth: { token } })` where token is POST /token's access_token. " +
        "A refused handshake gives connect_error with data {code, message}; codes: " +
        errorCodes.join(", ") +
        ". After any reconnect, emit `sync` with the last seq seen per chat.",
    },
    defaultContentType: "application/json",
    channels,
    operations,
    components: { messages },
  };
}
