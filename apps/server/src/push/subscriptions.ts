/**
 * Web Push subscriptions: one row per endpoint, owned by the session that gave it (it ends with
 * the session: the foreign key cascades, and pushes skip revoked sessions). A session keeps at
 * most MAX_PER_SESSION (the newest): a browser has one per service worker, re-subscribing makes new ones.
 */
import net from "node:net";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../domain/context.ts";

export const MAX_PER_SESSION = 4;

export interface SubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * The endpoint must be a URL a push service answers: https in production, and there not a bare
 * IP address or localhost (a subscription is not a way to make the server call into its network).
 */
export function checkEndpoint(endpoint: string, production: boolean): void {
  const url = new URL(endpoint);
  const refuse = (why: string) =>
    new AppError("validation_failed", `endpoint: ${why}`, [{ path: "endpoint", message: why, in: "body" }]);
  if (url.username || url.password) throw refuse("no credentials in the URL");
  if (!production) return;
  if (url.protocol !== "https:") throw refuse("must be https");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(host) !== 0 || host === "localhost" || host.endsWith(".localhost") || !host.includes("."))
    throw refuse("must name a push service's host");
}

export async function subscribe(
  ctx: DomainContext,
  userId: number,
  sid: string,
  input: SubscriptionInput,
): Promise<{ endpoint: string; created: boolean }> {
  const { rows } = await ctx.db.pool.query<{ created: boolean }>(
    `INSERT INTO push_subscriptions (session_id, user_id, endpoint, p256dh, auth)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (endpoint) DO UPDATE
        SET session_id = EXCLUDED.session_id, user_id = EXCLUDED.user_id,
            p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, created_at = now()
     RETURNING (xmax = 0) AS created`,
    [sid, userId, input.endpoint, input.keys.p256dh, input.keys.auth],
  );
  await ctx.db.pool.query(
    `DELETE FROM push_subscriptions WHERE session_id = $1 AND id NOT IN
       (SELECT id FROM push_subscriptions WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)`,
    [sid, MAX_PER_SESSION],
  );
  return { endpoint: input.endpoint, created: rows[0].created };
}

export async function unsubscribe(ctx: DomainContext, userId: number, endpoint: string): Promise<boolean> {
  const { rowCount } = await ctx.db.pool.query(
    "DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id = $2",
    [endpoint, userId],
  );
  return (rowCount ?? 0) > 0;
}

/** The push service said the subscription is gone (404/410). */
export async function removeSubscription(ctx: Pick<DomainContext, "db">, id: string): Promise<void> {
  await ctx.db.pool.query("DELETE FROM push_subscriptions WHERE id = $1", [id]);
}
