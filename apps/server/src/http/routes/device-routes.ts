/** Devices, KeyPackages and the MLS Delivery Service's REST side (issue 17). */
import { Router, type RequestHandler } from "express";
import type { DomainContext } from "../../domain/context.ts";
import { bind } from "../bind.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import {
  claimKeyPackages,
  keyPackageStock,
  listDevices,
  registerDevice,
  removeDevice,
  renameDevice,
  uploadKeyPackages,
  userDevices,
} from "../../domain/devices.ts";
import { externalSender, groupInfo } from "../../domain/mls-delivery.ts";

export function deviceRoutes(ctx: DomainContext, auth: RequestHandler): Router {
  const r = Router();
  bind(r, "registerDevice", [auth], async ({ user, body }) => {
    await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(user.id)]]);
    return registerDevice(ctx, user.id, body);
  });
  bind(r, "listDevices", [auth], async ({ user }) => listDevices(ctx, user.id));
  bind(r, "renameDevice", [auth], async ({ user, params, body }) =>
    renameDevice(ctx, user.id, params.device_id, body.name),
  );
  bind(r, "removeDevice", [auth], async ({ user, params }) => removeDevice(ctx, user.id, params.device_id));
  bind(r, "userDevices", [auth], async ({ user, params }) => userDevices(ctx, user.id, params.user_id));
  // Each KeyPackage costs a signature check: uploads spend the send budget too.
  bind(r, "uploadKeyPackages", [auth], async ({ user, params, body }) => {
    await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(user.id)]]);
    return uploadKeyPackages(ctx, user.id, params.device_id, body);
  });
  bind(r, "keyPackageStock", [auth], async ({ user, params }) =>
    keyPackageStock(ctx, user.id, params.device_id),
  );
  // Each claim takes KeyPackages others uploaded: it spends the claimer's send budget.
  bind(r, "claimKeyPackages", [auth], async ({ user, body }) => {
    await enforce(ctx.limiter, [[ctx.limits.sendsPerUser, String(user.id)]]);
    return claimKeyPackages(ctx, user.id, body.device_ids);
  });
  bind(r, "externalSender", [auth], async () => externalSender(ctx));
  bind(r, "groupInfo", [auth], async ({ user, params }) => groupInfo(ctx, user.id, params.chat_id));
  return r;
}
