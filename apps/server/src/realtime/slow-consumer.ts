/**
 * Bounds the memory a client that stops reading can pin on a node. Socket.IO/Engine.IO queue
 * outgoing packets without limit; every second this checks each local socket's backlog (the
 * websocket's bufferedAmount plus Engine.IO's write buffer, where packets wait while the last write
 * has not drained) and drops a socket past the cap. The client reconnects when it reads again and catches up through `sync`.
 */
import type { Logger } from "pino";
import type { ChatServer } from "./socket-broadcast.ts";

interface EngineConn {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: { name?: string; socket?: { bufferedAmount?: number } };
}

export interface SlowConsumerOptions {
  /** Bytes queued on one websocket before it is dropped. @default 4 MiB */
  maxBufferedBytes?: number;
  /** Packets queued while polling before it is dropped. @default 5000 */
  maxQueuedPackets?: number;
  intervalMs?: number;
  /** Called for each socket dropped (the node's metrics count them). */
  onDrop?: () => void;
}

export function guardSlowConsumers(io: ChatServer, log: Logger, opts: SlowConsumerOptions = {}): () => void {
  const maxBytes = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  const maxPackets = opts.maxQueuedPackets ?? 5000;
  const timer = setInterval(() => {
    for (const socket of io.of("/").sockets.values()) {
      const conn = socket.conn as unknown as EngineConn;
      // While the websocket's last write has not drained, Engine.IO holds packets in writeBuffer.
      const packets = conn.writeBuffer?.length ?? 0;
      let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
      for (let i = 0; i < packets && bytes <= maxBytes; i++) {
        const d = conn.writeBuffer![i].data;
        bytes +=
          typeof d === "string" ? d.length : ((d as { byteLength?: number } | undefined)?.byteLength ?? 0);
      }
      if (bytes > maxBytes || packets > maxPackets) {
        log.warn({ socket: socket.id, bytes, packets }, "dropping a socket that stopped reading");
        opts.onDrop?.();
        socket.disconnect(true);
        // disconnect() only queues a close packet behind the backlog: cut the transport now.
        (socket.conn as unknown as { close(discard?: boolean): void }).close(true);
      }
    }
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
