/**
 * In Redis each node keeps `{<prefix>}:cluster:node:<instance>` (its last heartbeat, JSON) with a TTL and
 * renews it every third of the TTL (at least every 2 s, with fresh load figures); the set `{<prefix>}:cluster:nodes` lists the instances ever seen.
 * The hash tag `{<prefix>}` keeps them all in one slot of a Redis Cluster: the MULTI that writes an
 * entry and the set, and the MGET that reads every entry, touch no second slot.
 * Keys are per process start, not per NODE_ID: a node SIGKILLed and restarted under the same id must
 * not renew its dead predecessor's entry. A node that dies stops renewing, Redis expires its key
 * within one TTL, and the next reader drops its id from the set: no clocks are compared and nobody
 * has to clean up after the dead.
 */
import type { RedisClient } from "./redis-client.ts";
import type { NodeEntry, NodeRegistry, NodeSnapshot } from "./node-registry.ts";

const MAX_BEAT_MS = 2000;

export class RedisNodeRegistry implements NodeRegistry {
  private readonly timer: NodeJS.Timeout;
  private readonly setKey: string;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly snapshot: () => NodeSnapshot,
    readonly ttlSeconds: number,
  ) {
    this.setKey = `{${prefix}}:cluster:nodes`;
    void this.beat();
    // At least every 2 s: the entry carries the node's load figures, which the admin console polls.
    this.timer = setInterval(() => void this.beat(), Math.min((ttlSeconds * 1000) / 3, MAX_BEAT_MS));
    this.timer.unref();
  }

  private nodeKey(id: string) {
    return `{${this.prefix}}:cluster:node:${id}`;
  }

  /** Writes this node's entry; a Redis outage only delays it (the next beat retries). */
  beat(): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    const s = this.snapshot();
    const entry: NodeEntry = { ...s, heartbeat_at: new Date().toISOString() };
    return this.redis
      .multi()
      .set(this.nodeKey(s.instance), JSON.stringify(entry), "PX", this.ttlSeconds * 1000)
      .sadd(this.setKey, s.instance)
      .exec()
      .catch(() => undefined);
  }

  async list(): Promise<NodeEntry[]> {
    await this.beat(); // this node's own entry, fresh
    const ids = (await this.redis.smembers(this.setKey)).sort();
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map((id) => this.nodeKey(id)));
    const gone = ids.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.redis.srem(this.setKey, ...gone);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as NodeEntry);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const id = this.snapshot().instance;
    await this.redis
      .multi()
      .del(this.nodeKey(id))
      .srem(this.setKey, id)
      .exec()
      .catch(() => undefined);
  }
}
