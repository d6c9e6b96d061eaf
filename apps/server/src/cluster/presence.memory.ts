/** Presence of a single node: the devices of each user in a map. */
import type { Presence, PresenceState } from "./presence.ts";

export class MemoryPresence implements Presence {
  private readonly sockets = new Map<number, Set<string>>();
  private readonly lastSeen = new Map<number, string>();

  async connect(userId: number, socketId: string): Promise<boolean> {
    const set = this.sockets.get(userId) ?? new Set<string>();
    this.sockets.set(userId, set);
    set.add(socketId);
    return set.size === 1;
  }

  async disconnect(userId: number, socketId: string): Promise<boolean> {
    const set = this.sockets.get(userId);
    if (!set?.delete(socketId)) return false;
    if (set.size > 0) return false;
    this.sockets.delete(userId);
    this.lastSeen.set(userId, new Date().toISOString());
    return true;
  }

  async get(userId: number): Promise<PresenceState> {
    const online = (this.sockets.get(userId)?.size ?? 0) > 0;
    return { user_id: userId, online, last_seen: online ? null : (this.lastSeen.get(userId) ?? null) };
  }

  async close(): Promise<void> {}
}
