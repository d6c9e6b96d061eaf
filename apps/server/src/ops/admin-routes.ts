/**
 * GET /api/v1/admin/cluster: the live nodes from the registry, their socket counts, and Redis INFO
 * essentials. GET /api/v1/admin/overview: what the admin console (apps/web /admin) polls — every
 * live node's figures as its own heartbeat published them, Redis and PostgreSQL health, each probe
 * bounded by a timeout, this cluster's pub/sub and key counts in Redis and the cluster path's cost
 * (overview-figures.ts). Admins only: the first registered user (lowest id) or an email in ADMIN_EMAILS.
 */
import { Router, type RequestHandler } from "express";
import type { RedisClient as Redis } from "../cluster/redis-client.ts";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../domain/context.ts";
import type { PublicUser } from "../domain/users.ts";
import { bind } from "../http/bind.ts";
import type { NodeRegistry, NodeSnapshot } from "../cluster/node-registry.ts";
import { enforce, type Limit } from "../cluster/rate-limit.ts";
import { postgresHealth } from "./postgres-health.ts";
import { clusterPath, redisFiguresOf } from "./overview-figures.ts";
import { noAnswerWithin, probe, within } from "./probe.ts";
import { redisDown, redisHealth } from "./redis-health.ts";
import { redisInfo } from "./redis-info.ts";

/** Enough for two console tabs polling every 2 s, with room; not a lever for hammering Redis and PostgreSQL. */
export const OVERVIEW_LIMIT: Limit = { name: "admin-overview-user", max: 120, windowMs: 60_000 };
/** The answer's size bound: a cluster larger than this lists its first nodes by id and says `truncated`. */
export const MAX_OVERVIEW_NODES = 64;

export interface AdminDeps {
  ctx: DomainContext;
  /** The node's bearer-token guard (the same passport as every other route). */
  auth: RequestHandler;
  registry: NodeRegistry;
  /** This node's own snapshot, for when the registry cannot be read. */
  self: () => NodeSnapshot;
  nodeId: string;
  instanceId: string;
  /** Absent on a single node without Redis. */
  redis?: Redis;
  redisPrefix: string;
  /** ADMIN_EMAILS, comma-separated. */
  adminEmails?: string;
  /** Each dependency probe of the overview gives up after this long (READYZ_TIMEOUT_MS). */
  probeTimeoutMs: number;
}

function parseAdminEmails(list: string | undefined): Set<string> {
  return new Set(
    (list ?? "")
      .split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  );
}

async function isAdmin(ctx: DomainContext, user: PublicUser, emails: Set<string>): Promise<boolean> {
  if (emails.has(user.email.toLowerCase())) return true;
  const first = await ctx.db.prisma.user.findFirst({ orderBy: { id: "asc" }, select: { id: true } });
  return first?.id === user.id;
}

export function adminRoutes(deps: AdminDeps): Router {
  const r = Router();
  const emails = parseAdminEmails(deps.adminEmails);
  const auth = deps.auth;
  const adminOnly: RequestHandler = (req, _res, next) => {
    isAdmin(deps.ctx, req.user as PublicUser, emails).then(
      (ok) => next(ok ? undefined : new AppError("forbidden", "Administrators only")),
      next,
    );
  };
  bind(r, "adminCluster", [auth, adminOnly], async () => {
    const [nodes, redis] = await Promise.all([
      deps.registry.list().catch(() => {
        throw new AppError("unavailable", "The node registry (Redis) is unreachable");
      }),
      deps.redis ? redisInfo(deps.redis, deps.redisPrefix) : Promise.resolve(null),
    ]);
    return {
      mode: deps.redis ? ("cluster" as const) : ("single" as const),
      self: deps.nodeId,
      heartbeat_ttl_seconds: deps.registry.ttlSeconds,
      nodes: nodes.map((n) => ({ ...n, self: n.instance === deps.instanceId })),
      totals: { nodes: nodes.length, sockets: nodes.reduce((sum, n) => sum + n.sockets, 0) },
      redis,
    };
  });
  bind(r, "adminOverview", [auth, adminOnly], async ({ user }) => {
    const t = deps.probeTimeoutMs;
    // The limit check is a Redis command too, bounded only by REDIS_COMMAND_TIMEOUT_MS. When it has
    // no answer within the probe timeout, Redis is stalled and its probes would only wait as long
    // again: Redis is reported down at once, so a stalled Redis costs the answer one probe timeout
    // (not the check's timeout and the probes' on top). The check runs on and answers from the
    // per-node limiter once the breaker opens (rate-limit.redis.ts).
    const checked = await within(enforce(deps.ctx.limiter, [[OVERVIEW_LIMIT, String(user.id)]]), t);
    const redisClient = checked.done ? deps.redis : undefined;
    const [listed, redis, redisFigures, postgres] = await Promise.all([
      checked.done ? probe(() => deps.registry.list(), t).then((p) => (p.ok ? p.value : null)) : null,
      redisClient ? redisHealth(redisClient, t) : deps.redis ? redisDown(noAnswerWithin(t)) : null,
      redisClient ? redisFiguresOf(redisClient, deps.redisPrefix, t) : null,
      postgresHealth(deps.ctx.db.pool, t),
    ]);
    // Without the registry (Redis down) this node still knows itself.
    const nodes = (listed ?? [{ ...deps.self(), heartbeat_at: new Date().toISOString() }]).sort((a, b) =>
      a.id === b.id ? a.instance.localeCompare(b.instance) : a.id.localeCompare(b.id),
    );
    return {
      mode: deps.redis ? ("cluster" as const) : ("single" as const),
      self: deps.nodeId,
      at: new Date().toISOString(),
      heartbeat_ttl_seconds: deps.registry.ttlSeconds,
      nodes: nodes.slice(0, MAX_OVERVIEW_NODES).map((n) => ({ ...n, self: n.instance === deps.instanceId })),
      truncated: nodes.length > MAX_OVERVIEW_NODES,
      redis,
      redis_figures: redisFigures,
      cluster_path: clusterPath(nodes),
      postgres,
    };
  });
  return r;
}
