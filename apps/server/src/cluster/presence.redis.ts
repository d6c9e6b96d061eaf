/**
 * Presence shared by every node through Redis. Each user has a hash socketId → instance; each node
 * process keeps a heartbeat key with a TTL, so the devices of a process that died stop counting once
 * its heartbeat lapses, without anyone having to clean up after it. The instance is per process
 * start (node.ts), never the bare NODE_ID: a node restarted under the same NODE_ID would otherwise
 * renew its dead predecessor's heartbeat and keep that process's devices online forever.
 *
 * Redis Cluster: every operation on one user touches that user's hash alone (one slot); the
 * heartbeats of all nodes share one hash tag (`{<prefix>}:node-alive:…`), so the MGET that checks
 * which of a user's nodes are alive stays in one slot. Heartbeats are a few keys renewed every few
 * seconds: one slot holds them without becoming hot.
 */
import { AppError } from "@chat/protocol";
import type { RedisClient } from "./redis-client.ts";
import type { Presence, PresenceState } from "./presence.ts";

export class RedisPresence implements Presence {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient,
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
    return `{${this.prefix}}:node-alive:${id}`;
  }
  private userKey(id: number) {
    return `${this.prefix}:presence:${id}`;
  }

  /** The entries (socketId → nodeId) whose node is alive; entries of dead nodes are dropped. */
  private async live(userId: number, all: Record<string, string>): Promise<string[]> {
    const nodes = [...new Set(Object.values(all))];
    if (nodes.length === 0) return [];
    const alive = await this.redis.mget(...nodes.map((n) => this.nodeKey(n)));
    const up = new Set(nodes.filter((_, i) => alive[i] !== null));
    const stale = Object.keys(all).filter((s) => !up.has(all[s]));
    if (stale.length > 0) await this.redis.hdel(this.userKey(userId), ...stale);
    return Object.keys(all).filter((s) => up.has(all[s]));
  }

  /**
   * "Came online" and "went offline" are decided from a snapshot taken atomically with the change
   * (MULTI): a device that joins while another leaves, on two nodes at once, must not make the
   * user look freshly online (or offline) because the two counts interleaved.
   */
  async connect(userId: number, socketId: string): Promise<boolean> {
    const res = await this.redis
      .multi()
      .hgetall(this.userKey(userId))
      .hset(this.userKey(userId), socketId, this.nodeId)
      .exec();
    const before = (res?.[0]?.[1] ?? {}) as Record<string, string>;
    delete before[socketId];
    return (await this.live(userId, before)).length === 0;
  }

  async disconnect(userId: number, socketId: string): Promise<boolean> {
    const res = await this.redis
      .multi()
      .hdel(this.userKey(userId), socketId)
      .hgetall(this.userKey(userId))
      .exec();
    const removed = Number(res?.[0]?.[1] ?? 0);
    const after = (res?.[1]?.[1] ?? {}) as Record<string, string>;
    if (removed === 0 || (await this.live(userId, after)).length > 0) return false;
    await this.redis.set(`${this.prefix}:last-seen:${userId}`, new Date().toISOString());
    return true;
  }

  /**
   * A Redis that cannot answer (stalled, failing over: every command is bounded by the client's
   * timeout) is a retryable `unavailable` for whoever asked (REST 503), not an unexpected 500.
   */
  async get(userId: number): Promise<PresenceState> {
    return this.read(userId).catch(() => {
      throw new AppError("unavailable", "Presence is unavailable (Redis did not answer in time)");
    });
  }

  private async read(userId: number): Promise<PresenceState> {
    const online = (await this.live(userId, await this.redis.hgetall(this.userKey(userId)))).length > 0;
    const lastSeen = online ? null : await this.redis.get(`${this.prefix}:last-seen:${userId}`);
    return { user_id: userId, online, last_seen: lastSeen };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(this.nodeKey(this.nodeId)).catch(() => undefined);
  }
}
