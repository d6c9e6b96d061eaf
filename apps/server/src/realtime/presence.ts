/**
 * Presence: a user is online while any of their devices is connected to any node.
 * One narrow seam with a memory implementation (one node) and a Redis one (a cluster);
 * `createPresence` picks from config.
 */
export interface PresenceState {
  user_id: number;
  online: boolean;
  last_seen: string | null;
}

export interface Presence {
  /** A device connected; answers true when the user just came online. */
  connect(userId: number, socketId: string): Promise<boolean>;
  /** A device left; answers true when the user just went offline. */
  disconnect(userId: number, socketId: string): Promise<boolean>;
  get(userId: number): Promise<PresenceState>;
  close(): Promise<void>;
}

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
