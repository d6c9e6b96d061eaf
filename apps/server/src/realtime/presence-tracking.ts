/**
 * The gateway's presence wiring. A device is registered during the handshake, before its client
 * hears "connected": otherwise a phone that connects to node 3 just before the laptop on node 1
 * closes can be registered after the laptop's removal, and contacts see the user go offline and
 * come back. "Came online" / "went offline" go to everyone who shares a chat with the user.
 */
import type { Socket } from "socket.io";
import type { Logger } from "pino";
import type { Presence } from "../cluster/presence.ts";
import { userRoom, type ChatServer } from "./socket-broadcast.ts";

/** How long a handshake waits for presence (a slow or absent Redis must not hold connections up). */
const PRESENCE_HANDSHAKE_WAIT_MS = 500;

/**
 * `wentOffline` is told when a user's last device left (the gateway keeps "last seen" in
 * PostgreSQL with it: domain/last-seen.ts).
 */
export function presenceTracker(
  io: ChatServer,
  presence: Presence,
  log: Logger,
  wentOffline: (userId: number) => Promise<void> = async () => undefined,
) {
  const registered = new WeakMap<Socket, Promise<boolean>>();
  const warn = (err: unknown) => log.warn({ err }, "presence update failed");
  const announce = (userId: number, online: boolean, rooms: string[]) =>
    presence.get(userId).then((state) => {
      if (rooms.length > 0)
        io.to(rooms)
          .except(userRoom(userId))
          .emit("presence", { ...state, online });
    });

  return {
    /** Registers the device; resolves once that is done (or after a short wait). Call it last in the handshake. */
    async beforeConnect(socket: Socket, userId: number): Promise<void> {
      const done = presence.connect(userId, socket.id).catch((err: unknown) => {
        warn(err);
        return false;
      });
      registered.set(socket, done);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((r) => (timer = setTimeout(r, PRESENCE_HANDSHAKE_WAIT_MS)))]);
      clearTimeout(timer);
      // A handshake abandoned meanwhile is dropped by socket.io without a disconnect event.
      if (socket.conn.readyState !== "open") {
        void done.then(() => presence.disconnect(userId, socket.id)).catch(warn);
      }
    },

    /** On connection: announce "online" if this device made it so; on leaving, maybe "offline". */
    onConnection(socket: Socket, userId: number): void {
      const done = registered.get(socket) ?? presence.connect(userId, socket.id);
      const chatsOf = () => [...socket.rooms].filter((r) => r.startsWith("chat:"));
      done.then((cameOnline) => (cameOnline ? announce(userId, true, chatsOf()) : undefined)).catch(warn);
      socket.on("disconnecting", () => {
        const rooms = chatsOf();
        // After the registration, whatever its speed: a removal must never overtake its own add.
        done
          .then(() => presence.disconnect(userId, socket.id))
          .then((offline) =>
            offline ? Promise.all([announce(userId, false, rooms), wentOffline(userId)]) : undefined,
          )
          .catch(warn);
      });
    },
  };
}
