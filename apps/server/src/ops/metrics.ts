/**
 * Prometheus metrics of one node (prom-client). Each node has its own Registry, never the global
 * one, so several nodes in one process (tests) count apart. Every series carries a `node` label
 * (the node id) so dashboards can split per node whatever the scrape target is called.
 *
 * What feeds it: the handlers' `on()` wrapper (events in, ack latency), each socket's outgoing
 * packets (events out, fan-out delivery latency, on every node that delivers), the domain's
 * broadcasts (socket-broadcast.ts onEmit), the message writer's batches, Redis client events, the
 * adapter's pub/sub traffic (adapter-traffic.ts), the rate limiter's refusals, the slow-consumer
 * guard's drops, the PostgreSQL pool, and Redis figures sampled at scrape time (redis-figures.ts).
 */
import type { RedisClient as Redis } from "../cluster/redis-client.ts";
import type pg from "pg";
import client from "prom-client";
import type { Limit, RateLimiter } from "../cluster/rate-limit.ts";
import { watchAdapterTraffic } from "./adapter-traffic.ts";
import { CountedHistogram } from "./counted-histogram.ts";
import { redisKeyFigures, redisPubSubFigures } from "./redis-figures.ts";
import type { HandlerObserver } from "../realtime/handlers/validated-event.ts";
import type { ChatServer } from "../realtime/socket-broadcast.ts";
import type { PushOutcome } from "../push/push-sender.ts";

/** Seconds: from 1 ms (an ack on loopback) to 10 s (a node drowning). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Messages per group commit: 1 when idle, up to the writer's maxBatch (500) under load. */
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

export class NodeMetrics implements HandlerObserver {
  readonly registry = new client.Registry();
  private sockets: () => number = () => 0;

  private readonly connections = this.counter("chat_socket_connections_total", "Sockets that connected");
  private readonly eventsIn = this.counter(
    "chat_events_in_total",
    "Client events handled (with an ack), by event",
    ["event"],
  );
  private readonly ackErrors = this.counter(
    "chat_ack_errors_total",
    "Client events answered with an error, by event and code",
    ["event", "code"],
  );
  private readonly eventsOut = this.counter(
    "chat_events_out_total",
    "Events written to this node's sockets (each delivery counts once), by event",
    ["event"],
  );
  private readonly broadcasts = this.counter(
    "chat_broadcasts_total",
    "Broadcasts this node originated (to a chat or a user's devices, on every node), by event",
    ["event"],
  );
  private readonly inFlight = new client.Gauge({
    name: "chat_handlers_in_flight",
    help: "Client events received and not yet answered",
    registers: [this.registry],
  });
  private readonly ackLatency = new client.Histogram({
    name: "chat_ack_latency_seconds",
    help: "From a client event's arrival to its ack (message:send: stored and committed), by event",
    labelNames: ["event"],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly deliveryLatency = new CountedHistogram(
    "chat_delivery_latency_seconds",
    "From a message's stored timestamp (its transaction, database clock) to its delivery to a socket of this node",
    LATENCY_BUCKETS,
    this.registry,
  );
  /** Deliveries of the broadcast being written (see `delivered`), counted once it is done. */
  private outgoing: { payload: unknown; event: string; sockets: number; latencies: number[] } | undefined;
  private bookingQueued = false;
  private readonly batchSize = new client.Histogram({
    name: "chat_db_batch_size",
    help: "Messages written per group commit",
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchDuration = new client.Histogram({
    name: "chat_db_batch_duration_seconds",
    help: "Duration of one group commit (connect, insert, commit)",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly redisErrors = this.counter(
    "chat_redis_errors_total",
    "Redis connection errors, by client role (pub, sub, data)",
    ["role"],
  );
  private readonly redisReconnects = this.counter(
    "chat_redis_reconnects_total",
    "Redis reconnect attempts, by client role",
    ["role"],
  );
  private readonly adapterErrors = this.counter(
    "chat_adapter_errors_total",
    "Errors reported by the Socket.IO Redis adapter",
  );
  private readonly adapterMessages = this.counter(
    "chat_adapter_messages_total",
    "Messages this node's Socket.IO Redis adapter published or received on its channels, by direction",
    ["direction"],
  );
  private readonly adapterBytes = this.counter(
    "chat_adapter_bytes_total",
    "Payload bytes of those messages, by direction (published, received)",
    ["direction"],
  );
  private readonly slowConsumers = this.counter(
    "chat_slow_consumers_dropped_total",
    "Sockets dropped because they stopped reading (their backlog passed SOCKET_MAX_BUFFERED_BYTES)",
  );
  private readonly rateLimited = this.counter(
    "chat_rate_limited_total",
    "Requests and events refused by a rate limit, by limit (send-user, auth-ip, conn-ip, ...)",
    ["limit"],
  );
  private readonly handshakes = this.counter(
    "chat_handshakes_total",
    "Socket.IO handshakes by admission outcome: admitted (ran, whatever their answer) or shed (refused at once or after waiting: `unavailable`, node busy)",
    ["outcome"],
  );
  private readonly pushes = this.counter(
    "chat_push_total",
    "Web Push requests this node sent, by outcome: sent (2xx), expired (404/410: subscription removed), failed (refused, unreachable or timed out)",
    ["outcome"],
  );

  constructor(version: string) {
    const sockets = () => this.sockets();
    new client.Gauge({
      name: "chat_sockets_connected",
      help: "Sockets connected to this node",
      registers: [this.registry],
      // Read the live count at scrape time rather than tracking connects and disconnects.
      collect() {
        this.set(sockets());
      },
    });
    new client.Gauge({
      name: "chat_node_info",
      help: "Always 1; the labels tell the node's version",
      labelNames: ["version"],
      registers: [this.registry],
    }).set({ version }, 1);
    // Event loop lag, heap, RSS, GC, handles: prom-client's standard process and Node.js series.
    client.collectDefaultMetrics({ register: this.registry });
    for (const outcome of ["admitted", "shed"]) this.handshakes.inc({ outcome }, 0);
    for (const direction of ["published", "received"]) {
      this.adapterMessages.inc({ direction }, 0);
      this.adapterBytes.inc({ direction }, 0);
    }
  }

  private counter(name: string, help: string, labelNames: string[] = []) {
    return new client.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** Labels every series with the node id (known once the node listens). */
  setNode(nodeId: string): void {
    this.registry.setDefaultLabels({ node: nodeId });
  }

  /** Sockets count at scrape time; every outgoing packet of every socket is counted. */
  watchServer(io: ChatServer): void {
    this.sockets = () => io.of("/").sockets.size;
    io.on("connection", (socket) => {
      this.connections.inc();
      socket.onAnyOutgoing((event: string, payload: unknown) => this.delivered(event, payload));
    });
  }

  /** Errors of the Redis adapter (an unhandled one would crash the process; gateway.ts logs them). */
  watchAdapter(io: ChatServer): void {
    io.of("/").adapter.on("error", () => this.adapterErrors.inc());
  }

  watchRedis(redis: Redis, role: string): void {
    // At 0 from the start, so dashboards and alerts see the series before the first error.
    this.redisErrors.inc({ role }, 0);
    this.redisReconnects.inc({ role }, 0);
    redis.on("error", () => this.redisErrors.inc({ role }));
    redis.on("reconnecting", () => this.redisReconnects.inc({ role }));
  }

  /** Messages and bytes of the adapter's channels (`<prefix>:sio…`) on this node's pub/sub clients. */
  watchAdapterTraffic(clients: { pub: Redis; sub: Redis }, prefix: string): () => void {
    return watchAdapterTraffic(clients, `${prefix}:sio`, {
      published: (bytes) => {
        this.adapterMessages.inc({ direction: "published" });
        this.adapterBytes.inc({ direction: "published" }, bytes);
      },
      received: (bytes) => {
        this.adapterMessages.inc({ direction: "received" });
        this.adapterBytes.inc({ direction: "received" }, bytes);
      },
    });
  }

  /** The PostgreSQL pool's connections (total, idle, waiting clients) read at scrape time. */
  watchPool(pool: pg.Pool, max: number): void {
    new client.Gauge({
      name: "chat_db_pool_connections",
      help: "PostgreSQL pool of this node: open connections (total), idle ones, and queries waiting for one (waiting)",
      labelNames: ["state"],
      registers: [this.registry],
      collect() {
        this.set({ state: "total" }, pool.totalCount);
        this.set({ state: "idle" }, pool.idleCount);
        this.set({ state: "waiting" }, pool.waitingCount);
      },
    });
    new client.Gauge({
      name: "chat_db_pool_max",
      help: "Most connections the pool may open",
      registers: [this.registry],
    }).set(max);
  }

  /**
   * Redis figures redis_exporter lacks (redis-figures.ts), sampled at scrape time at most every
   * `everyMs` (each node of a cluster reports the same cluster-wide figures: take max() across nodes).
   */
  watchRedisFigures(redis: Redis, prefix: string, everyMs = 5000): void {
    let last = 0;
    let pending: Promise<void> = Promise.resolve();
    // Every gauge of the set awaits the same sample: the registry collects its metrics side by side.
    const refresh = () => {
      if (Date.now() - last >= everyMs) {
        last = Date.now();
        pending = sample();
      }
      return pending;
    };
    const gauge = (name: string, help: string, labelNames: string[] = []) =>
      new client.Gauge({ name, help, labelNames, registers: [this.registry], collect: refresh });
    const channels = gauge(
      "chat_redis_pubsub_channels",
      "Pub/sub channels under the key prefix with subscribers, by kind (channel, shard)",
      ["kind"],
    );
    const subscribers = gauge(
      "chat_redis_pubsub_subscribers",
      "Subscriptions to those channels, by kind (channel, shard)",
      ["kind"],
    );
    const patterns = gauge(
      "chat_redis_pubsub_patterns",
      "Pattern subscriptions of the Redis server (PUBSUB NUMPAT)",
    );
    const keys = gauge(
      "chat_redis_keys",
      "Keys of the cluster in Redis, by kind (presence, rate_limit), counted by a bounded SCAN",
      ["kind"],
    );
    const complete = gauge(
      "chat_redis_keys_count_complete",
      "1 when the SCAN behind chat_redis_keys saw the whole keyspace, 0 when its budget ran out (a lower bound)",
      ["kind"],
    );
    const sample = async () => {
      try {
        const [ps, ks] = await withTimeout(
          Promise.all([redisPubSubFigures(redis, prefix), redisKeyFigures(redis, prefix)]),
          2000,
        );
        channels.set({ kind: "channel" }, ps.channels);
        subscribers.set({ kind: "channel" }, ps.subscribers);
        if (ps.shardChannels !== null) channels.set({ kind: "shard" }, ps.shardChannels);
        if (ps.shardSubscribers !== null) subscribers.set({ kind: "shard" }, ps.shardSubscribers);
        patterns.set(ps.patterns);
        for (const [kind, c] of [
          ["presence", ks.presence],
          ["rate_limit", ks.rateLimit],
        ] as const) {
          keys.set({ kind }, c.keys);
          complete.set({ kind }, c.complete ? 1 : 0);
        }
      } catch {
        // Redis away: no stale figures (redis_up and the node's Redis errors tell why).
        for (const g of [channels, subscribers, patterns, keys, complete]) g.reset();
      }
    };
  }

  /** The limiter with every refusal counted by limit name (hits past a limit's max). */
  countRefusals(limiter: RateLimiter): RateLimiter {
    return {
      hit: async (limit: Limit, key: string) => {
        const wait = await limiter.hit(limit, key);
        if (wait > 0) this.rateLimited.inc({ limit: limit.name });
        return wait;
      },
      count: (limit, key) => limiter.count(limit, key),
      refund: (limit, key) => limiter.refund(limit, key),
    };
  }

  /** The slow-consumer guard dropped a socket (slow-consumer.ts). */
  slowConsumerDropped(): void {
    this.slowConsumers.inc();
  }

  received(event: string): (seconds: number, error?: string) => void {
    this.eventsIn.inc({ event });
    this.inFlight.inc();
    return (seconds, error) => {
      this.inFlight.dec();
      this.ackLatency.observe({ event }, seconds);
      if (error) this.ackErrors.inc({ event, code: error });
    };
  }

  /** The domain broadcast something (socket-broadcast.ts onEmit). */
  broadcast(event: string): void {
    this.broadcasts.inc({ event });
  }

  /** A message group commit finished (GroupCommit.onBatch of the messages engine). */
  batch(size: number, seconds: number): void {
    this.batchSize.observe(size);
    this.batchDuration.observe(seconds);
  }

  /**
   * One event written to one socket. A broadcast hands every socket it reaches the same payload
   * object, one socket after the other in one synchronous loop: those writes are counted together
   * and their latency read once (a 500-member group's message is 499 writes). The count is booked
   * when another payload comes or at the end of the tick, so a scrape sees every write.
   */
  private delivered(event: string, payload: unknown): void {
    const o = this.outgoing;
    if (o && o.payload === payload && o.event === event) {
      o.sockets++;
      return;
    }
    this.bookOutgoing();
    if (!this.bookingQueued) {
      this.bookingQueued = true;
      process.nextTick(() => {
        this.bookingQueued = false;
        this.bookOutgoing();
      });
    }
    const latencies =
      event === "message:new"
        ? latencyOf(payload as { created_at?: string } | undefined)
        : event === "message:batch"
          ? (payload as { messages: Array<{ created_at?: string }> }).messages.flatMap(latencyOf)
          : [];
    this.outgoing = { payload, event, sockets: 1, latencies };
  }

  private bookOutgoing(): void {
    const o = this.outgoing;
    if (!o) return;
    this.outgoing = undefined;
    this.eventsOut.inc({ event: o.event }, o.sockets);
    for (const seconds of o.latencies) this.deliveryLatency.observe(seconds, o.sockets);
  }

  /** A handshake was admitted or shed (realtime/handshake-admission.ts). */
  handshake(outcome: "admitted" | "shed"): void {
    this.handshakes.inc({ outcome });
  }

  /** A Web Push request ended (push/push-sender.ts). */
  push(outcome: PushOutcome): void {
    this.pushes.inc({ outcome });
  }

  /** Prometheus text exposition of this node's registry. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Seconds from a message's stored timestamp to now: none for a payload without one. */
function latencyOf(message: { created_at?: string } | undefined): number[] {
  const at = Date.parse(message?.created_at ?? "");
  // A clock skew between the database and this node must not produce negative latencies.
  return Number.isFinite(at) ? [Math.max(0, (Date.now() - at) / 1000)] : [];
}
