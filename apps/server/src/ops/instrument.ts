/**
 * Operations wiring of one node, kept out of node.ts: metrics hooks, the in-flight tracker for
 * graceful shutdown, the node registry (memory or Redis, chosen here from config) and the routers
 * GET /metrics and GET /admin/cluster.
 */
import type { Router } from "express";
import type { Redis } from "ioredis";
import type { Config } from "../config/env.ts";
import type { DomainContext } from "../domain/context.ts";
import { observeHandlers } from "../realtime/handlers/validated-event.ts";
import type { ChatServer } from "../realtime/socket-broadcast.ts";
import type { ChatCommits } from "../store/group-commit.ts";
import { adminRoutes } from "./admin-routes.ts";
import { InFlightEvents } from "./in-flight.ts";
import { NodeMetrics } from "./metrics.ts";
import { metricsRoutes, refuseMetricsRoutes } from "./metrics-routes.ts";
import { createNodeRegistry, nodeAddress, processSnapshot, type NodeRegistry } from "./node-registry.ts";

export interface NodeOps {
  metrics: NodeMetrics;
  inFlight: InFlightEvents;
  /** For socketBroadcast(io, onEmit). */
  onEmit(event: string): void;
  /** Once the node listens and knows its id: label the metrics, join the registry, build the routers. */
  routers(n: {
    nodeId: string;
    instanceId: string;
    port: number;
    ctx: DomainContext;
    jwtSecret: string;
  }): Router[];
  /** Withdraws the node from the registry. */
  close(): Promise<void>;
}

export function instrumentNode(o: {
  config: Config;
  version: string;
  io: ChatServer;
  commits: ChatCommits;
  redis?: { pub: Redis; sub: Redis; data: Redis };
}): NodeOps {
  const started = new Date();
  const metrics = new NodeMetrics(o.version);
  const inFlight = new InFlightEvents();
  o.commits.messages.onBatch = (size, seconds) => metrics.batch(size, seconds);
  metrics.watchServer(o.io);
  observeHandlers(o.io, metrics);
  observeHandlers(o.io, inFlight);
  if (o.redis) {
    metrics.watchAdapter(o.io);
    for (const [role, client] of Object.entries(o.redis)) metrics.watchRedis(client, role);
  }
  let registry: NodeRegistry | undefined;
  return {
    metrics,
    inFlight,
    onEmit: (event) => metrics.broadcast(event),
    routers({ nodeId, instanceId, port, ctx, jwtSecret }) {
      metrics.setNode(nodeId);
      registry = createNodeRegistry({
        kind: o.redis ? "redis" : "memory",
        redis: o.redis?.data,
        prefix: o.config.REDIS_KEY_PREFIX,
        ttlSeconds: o.config.NODE_HEARTBEAT_SECONDS,
        snapshot: processSnapshot({
          id: nodeId,
          instance: instanceId,
          address: nodeAddress(o.config.HOST, port),
          version: o.version,
          startedAt: started,
          sockets: () => o.io.of("/").sockets.size,
        }),
      });
      return [
        // With METRICS_PORT the metrics live on their own server (node.ts); here every variant is 404.
        o.config.METRICS_PORT === undefined
          ? metricsRoutes(metrics, o.config.METRICS_TOKEN)
          : refuseMetricsRoutes(),
        adminRoutes({
          ctx,
          jwtSecret,
          registry,
          nodeId,
          instanceId,
          redis: o.redis?.data,
          redisPrefix: o.config.REDIS_KEY_PREFIX,
          adminEmails: o.config.ADMIN_EMAILS,
        }),
      ];
    },
    async close() {
      await registry?.close();
    },
  };
}
