/**
 * GET /api/v1/admin/cluster: the live nodes from the registry, their socket counts, and Redis INFO
 * essentials. Admins only: the first registered user (lowest id) or an email in ADMIN_EMAILS.
 */
import { Router, type RequestHandler } from "express";
import type { RedisClient as Redis } from "../cluster/redis-client.ts";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../domain/context.ts";
import type { PublicUser } from "../domain/users.ts";
import { bind } from "../http/bind.ts";
import type { NodeRegistry } from "../cluster/node-registry.ts";
import { redisInfo } from "./redis-info.ts";

export interface AdminDeps {
  ctx: DomainContext;
  /** The node's bearer-token guard (the same passport as every other route). */
  auth: RequestHandler;
  registry: NodeRegistry;
  nodeId: string;
  instanceId: string;
  /** Absent on a single node without Redis. */
  redis?: Redis;
  redisPrefix: string;
  /** ADMIN_EMAILS, comma-separated. */
  adminEmails?: string;
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
  return r;
}
