/**
 * What the Socket.IO Redis adapter costs this node: messages and bytes it publishes (PUBLISH,
 * SPUBLISH on the pub client) and receives (message, pmessage, smessage on the sub client) on the
 * adapter's channels (`<REDIS_KEY_PREFIX>:sio…`). The same clients carry the node's other pub/sub
 * (revocation push, membership sync): those channels are not counted here.
 *
 * Publishes are counted where every command leaves the client, its `sendCommand` (the pipeline of
 * enableAutoPipelining goes through it too), and only while the client is ready: a command queued
 * while Redis is away is counted once, when it is really sent.
 */
import type { RedisClient as Redis } from "../cluster/redis-client.ts";

export interface AdapterTrafficSink {
  published(bytes: number): void;
  received(bytes: number): void;
}

const PUBLISH = new Set(["publish", "spublish"]);

function size(v: unknown): number {
  if (typeof v === "string") return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  return 0;
}

/** Starts counting; answers a function that stops it (the client's own methods come back). */
export function watchAdapterTraffic(
  clients: { pub: Redis; sub: Redis },
  channelPrefix: string,
  sink: AdapterTrafficSink,
): () => void {
  const { pub, sub } = clients;
  const ours = (channel: unknown) =>
    (typeof channel === "string" ? channel : Buffer.isBuffer(channel) ? channel.toString() : "").startsWith(
      channelPrefix,
    );
  type Send = Redis["sendCommand"];
  const original: Send = pub.sendCommand;
  const counting: Send = function (this: Redis, ...args: Parameters<Send>) {
    const [command] = args;
    if (pub.status === "ready" && PUBLISH.has(command.name) && ours(command.args[0]))
      sink.published(size(command.args[1]));
    // The cluster client's sendCommand takes a third argument (the node): passed on as given.
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pub.sendCommand = counting;
  const onMessage = (channel: Buffer, message: Buffer) => {
    if (ours(channel)) sink.received(message.length);
  };
  const onPattern = (_pattern: Buffer, channel: Buffer, message: Buffer) => {
    if (ours(channel)) sink.received(message.length);
  };
  sub.on("messageBuffer", onMessage);
  sub.on("smessageBuffer", onMessage);
  sub.on("pmessageBuffer", onPattern);
  return () => {
    if (pub.sendCommand === counting) pub.sendCommand = original;
    sub.off("messageBuffer", onMessage);
    sub.off("smessageBuffer", onMessage);
    sub.off("pmessageBuffer", onPattern);
  };
}
