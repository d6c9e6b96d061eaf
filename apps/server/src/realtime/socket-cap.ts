/**
 * MAX_SOCKETS_PER_USER, per node: each socket of a user holds a slot from its handshake until it
 * closes, so one account cannot pile up hundreds of sockets (each a member of all its chat rooms)
 * on a node. Per node, not cluster-wide: a count in Redis would outlive a crashed node's sockets.
 * A slot is taken synchronously in the handshake, so concurrent handshakes cannot all slip in.
 */
import type { Socket } from "socket.io";

export class SocketCap {
  private readonly open = new Map<number, number>();

  constructor(private readonly perUser: number) {}

  /**
   * Takes a slot for this handshake's socket; false when the user is at the cap. The answer
   * releases the slot (once, whichever comes first): on a failed handshake, on disconnect, or
   * when the connection closes.
   */
  take(userId: number, socket: Socket): (() => void) | false {
    const release = this.reserve(userId);
    if (!release) return false;
    socket.once("disconnect", release);
    socket.conn.once("close", release);
    return release;
  }

  /**
   * A slot for any other kind of connection of the user (the origin's WebSocket): the same count,
   * so Socket.IO and origin sockets together stay within the cap. The caller releases it (once).
   */
  reserve(userId: number): (() => void) | false {
    if (this.perUser <= 0) return () => undefined;
    const n = this.open.get(userId) ?? 0;
    if (n >= this.perUser) return false;
    this.open.set(userId, n + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left <= 0) this.open.delete(userId);
      else this.open.set(userId, left);
    };
  }
}
