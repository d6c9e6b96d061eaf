/**
 * Presence shared by every node through Redis. Each user has a hash socketId → nodeId; each node
 * keeps a heartbeat key with a TTL, so the devices of a node that died stop counting once its
 * heartbeat lapses, without anyone having to clean up after it.
 */
import type { Redis } from "ioredis";
import type { Presence, PresenceState } from "./presence.ts";

export class RedisPresence implements Presence {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly ttlSeconds = 15,
  ) {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), (ttlSeconds * 1000) / 3);
    this.timer.unref();
  }

  private beat() {
    return this.redis.set(this.nodeKey(this.nodeId), "1", "EX", this.ttlSeconds).catch(() => undefined);
  }
  private nodeKey(id: string) {
    return `${this.prefix}:node-alive:${id}`;
  }
  private userKey(id: number) {
    return `${this.prefix}:presence:${id}`;
  }

  private async liveDevices(userId: number): Promise<number> {
    const all = await this.redis.hgetall(this.userKey(userId));
    const nodes = [...new Set(Object.values(all))];
    if (nodes.length === 0) return 0;
    const alive = await this.redis.mget(...nodes.map((n) => this.nodeKey(n)));
    const live = new Set(nodes.filter((_, i) => alive[i] !== null));
    const stale = Object.entries(all)
      .filter(([, n]) => !live.has(n))
      .map(([s]) => s);
    if (stale.length > 0) await this.redis.hdel(this.userKey(userId), ...stale);
    return Object.values(all).filter((n) => live.has(n)).length;
  }

  async connect(userId: number, socketId: string): Promise<boolean> {
    await this.redis.hset(this.userKey(userId), socketId, this.nodeId);
    return (await this.liveDevices(userId)) === 1;
  }

  async disconnect(userId: number, socketId: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.userKey(userId), socketId);
    if (removed === 0 || (await this.liveDevices(userId)) > 0) return false;
    await this.redis.set(`${this.prefix}:last-seen:${userId}`, new Date().toISOString());
    return true;
  }

  async get(userId: number): Promise<PresenceState> {
    const online = (await this.liveDevices(userId)) > 0;
    const lastSeen = online ? null : await this.redis.get(`${this.prefix}:last-seen:${userId}`);
    return { user_id: userId, online, last_seen: lastSeen };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(this.nodeKey(this.nodeId)).catch(() => undefined);
  }
}
