/**
 * Operations wiring of one node, kept out of node.ts: metrics hooks, the in-flight tracker for
 * graceful shutdown, and the routers GET /metrics and GET /api/v1/admin/cluster (over the node registry
 * that cluster/shared-state.ts chose).
 */
import type { RequestHandler, Router } from "express";
import type { RedisClient as Redis } from "../cluster/redis-client.ts";
import type pg from "pg";
import type { Config } from "../config/env.ts";
import type { DomainContext } from "../domain/context.ts";
import { observeHandlers } from "../realtime/handlers/validated-event.ts";
import type { ChatServer } from "../realtime/socket-broadcast.ts";
import type { ChatCommits } from "../store/group-commit.ts";
import { adminRoutes } from "./admin-routes.ts";
import { InFlightEvents } from "./in-flight.ts";
import { NodeMetrics } from "./metrics.ts";
import { NodeLoad } from "./node-load.ts";
import { metricsRoutes, refuseMetricsRoutes } from "./metrics-routes.ts";
import type { NodeRegistry, NodeSnapshot } from "../cluster/node-registry.ts";

export interface NodeOps {
  metrics: NodeMetrics;
  /** CPU, traffic and latency over sampling windows, for the registry heartbeat (node-snapshot.ts). */
  load: NodeLoad;
  inFlight: InFlightEvents;
  /** The slow-consumer guard's onDrop (slow-consumer.ts). */
  onSlowConsumer(): void;
  /** For socketBroadcast(io, onEmit). */
  onEmit(event: string): void;
  /** Once the node listens and knows its id: label the metrics, build the routers. */
  routers(n: {
    nodeId: string;
    instanceId: string;
    ctx: DomainContext;
    auth: RequestHandler;
    registry: NodeRegistry;
    self: () => NodeSnapshot;
  }): Router[];
}

export function instrumentNode(o: {
  config: Config;
  version: string;
  io: ChatServer;
  commits: ChatCommits;
  /** The serving pool: its connections are read at scrape time. */
  pool: pg.Pool;
  redis?: { pub: Redis; sub: Redis; data: Redis };
}): NodeOps {
  const metrics = new NodeMetrics(o.version);
  const inFlight = new InFlightEvents();
  const load = new NodeLoad(metrics.registry);
  o.commits.messages.onBatch = (size, seconds) => metrics.batch(size, seconds);
  metrics.watchServer(o.io);
  observeHandlers(o.io, metrics);
  observeHandlers(o.io, inFlight);
  metrics.watchPool(o.pool, o.pool.options.max ?? 10);
  if (o.redis) {
    metrics.watchAdapter(o.io);
    for (const [role, client] of Object.entries(o.redis)) metrics.watchRedis(client, role);
    metrics.watchAdapterTraffic(o.redis, o.config.REDIS_KEY_PREFIX);
    metrics.watchRedisFigures(o.redis.data, o.config.REDIS_KEY_PREFIX);
  }
  return {
    metrics,
    load,
    inFlight,
    onSlowConsumer: () => metrics.slowConsumerDropped(),
    onEmit: (event) => metrics.broadcast(event),
    routers({ nodeId, instanceId, ctx, auth, registry, self }) {
      metrics.setNode(nodeId);
      return [
        // With METRICS_PORT the metrics live on their own server (node.ts); here every variant is 404.
        o.config.METRICS_PORT === undefined
          ? metricsRoutes(metrics, o.config.METRICS_TOKEN)
          : refuseMetricsRoutes(),
        adminRoutes({
          ctx,
          auth,
          registry,
          self,
          nodeId,
          instanceId,
          redis: o.redis?.data,
          redisPrefix: o.config.REDIS_KEY_PREFIX,
          adminEmails: o.config.ADMIN_EMAILS,
          probeTimeoutMs: o.config.READYZ_TIMEOUT_MS,
        }),
      ];
    },
  };
}
