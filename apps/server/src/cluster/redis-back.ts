/**
 * Calls `fn` each time one of the given Redis clients is ready again after its connection closed:
 * what was pushed through Redis meanwhile (room changes, ended sessions) may be lost, so the
 * caller re-reads the truth from PostgreSQL. Answers a function that stops listening.
 */
import type { RedisClient } from "./redis-client.ts";

export function whenRedisBack(clients: RedisClient[], fn: () => void): () => void {
  const down = new WeakSet<RedisClient>();
  const listeners = clients.map((r) => {
    const onDown = () => down.add(r);
    const onUp = () => {
      if (!down.has(r)) return;
      down.delete(r);
      fn();
    };
    r.on("close", onDown);
    r.on("ready", onUp);
    return () => {
      r.off("close", onDown);
      r.off("ready", onUp);
    };
  });
  return () => {
    for (const off of listeners) off();
  };
}
