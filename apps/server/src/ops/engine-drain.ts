/**
 * The last step of a graceful shutdown: close every client connection at the transport level, so
 * that socket.io-client reconnects by itself (to another node, through nginx or its URL list) and
 * syncs. A namespace disconnect (`disconnectSockets(true)`) would read "io server disconnect" on
 * the client, which socket.io-client treats as final and never retries.
 *
 * Each Engine.IO connection first writes what it still holds (the last acks) and only then
 * closes; `io.close()` before that would discard those packets, hence the wait, within a bound.
 */
import type { ChatServer } from "../realtime/socket-broadcast.ts";

export async function closeConnections(io: ChatServer, timeoutMs: number): Promise<void> {
  // `clients` is protected in the types, public in the object (Engine.IO's documented API).
  const { clients } = io.engine as unknown as { clients: Record<string, { close(): void }> };
  for (const conn of Object.values(clients)) conn.close();
  const deadline = Date.now() + timeoutMs;
  while (io.engine.clientsCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
