/**
 * Coalesces the WebSocket frames written to one connection within one tick into one system call.
 * Under load a group-commit flush resolves hundreds of sends at once and each connection gets
 * several frames (acks, deliveries) in the same tick; ws writes each frame with its own writev,
 * which was a third of the node's CPU in the benchmark profile. Corking the TCP socket on the
 * first write of a tick and uncorking it on the next tick sends them together.
 */
import type net from "node:net";

const patched = new WeakSet<net.Socket>();

function corkPerTick(sock: net.Socket | undefined): void {
  if (!sock || patched.has(sock)) return;
  patched.add(sock);
  const write = sock.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    if (!sock.destroyed) sock.uncork();
  };
  sock.write = function (this: net.Socket, ...args: unknown[]) {
    if (!corked && !sock.destroyed) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof sock.write;
}

interface EngineTransport {
  name?: string;
  socket?: { _socket?: net.Socket };
}

/** Applies corkPerTick to an Engine.IO connection's websocket, now or when it upgrades to one. */
export function corkWebsocket(conn: {
  transport?: EngineTransport;
  on(e: "upgrade", f: (t: EngineTransport) => void): void;
}) {
  const apply = (t: EngineTransport | undefined) => {
    if (t?.name === "websocket") corkPerTick(t.socket?._socket);
  };
  apply(conn.transport);
  conn.on("upgrade", apply);
}
