/**
 * Presence: a user is online while any of their devices is connected to any node.
 * One narrow seam with a memory implementation (presence.memory.ts, one node) and a Redis one
 * (presence.redis.ts, a cluster); shared-state.ts picks one from config. Both pass
 * test/contract/presence.contract.ts. The REST edge reads it too, so it is not realtime/'s.
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
