/**
 * Devices and their KeyPackages (issue 17): each device of a user has its own MLS signature key;
 * its credential names (user id, device id). The server is the registry (the Authentication
 * Service's part: clients compare keys through safety numbers) and hands out KeyPackages, each
 * one-time KeyPackage exactly once (the claim deletes it in the statement that picks it, rows
 * locked and skipped by concurrent claims), the device's last-resort one when none is left.
 */
import { AppError, KEY_PACKAGES_LOW, KEY_PACKAGES_MAX_STOCK } from "@chat/protocol";
import type { DomainContext } from "./context.ts";
import { checkKeyPackage } from "../mls/framing.ts";
import { proposeDeviceRemovals } from "./mls-delivery.ts";

/** Live devices a user may have at once. */
export const MAX_DEVICES_PER_USER = 20;

interface DeviceRow {
  id: string;
  user_id: number;
  name: string;
  signature_key: string;
  created_at: Date;
}
const DEVICE_COLUMNS = "id, user_id, name, signature_key, created_at";

const toDevice = (r: DeviceRow) => ({
  id: r.id,
  user_id: r.user_id,
  name: r.name,
  signature_key: r.signature_key,
  created_at: r.created_at.toISOString(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The socket handshake's `auth.device_id`: the id when it is a live device of this user, null when
 * it is not (refused), so a socket can never speak for someone else's or a removed device.
 */
export async function liveDeviceOf(
  ctx: DomainContext,
  userId: number,
  deviceId: unknown,
): Promise<string | null> {
  if (typeof deviceId !== "string" || !UUID.test(deviceId)) return null;
  const { rows } = await ctx.db.pool.query<{ id: string }>(
    "SELECT id FROM devices WHERE id = $1 AND user_id = $2 AND removed_at IS NULL",
    [deviceId, userId],
  );
  return rows[0]?.id ?? null;
}

export async function registerDevice(
  ctx: DomainContext,
  userId: number,
  input: { name: string; signature_key: string },
) {
  const key = Buffer.from(input.signature_key, "base64");
  if (key.length !== 32)
    throw new AppError("validation_failed", "The signature key is not an Ed25519 public key", [
      { path: "signature_key", message: "must be 32 bytes (base64)" },
    ]);
  try {
    const { rows } = await ctx.db.pool.query<DeviceRow>(
      `INSERT INTO devices (user_id, name, signature_key)
       SELECT $1, $2, $3 WHERE (SELECT count(*) FROM devices WHERE user_id = $1 AND removed_at IS NULL) < $4
       RETURNING ${DEVICE_COLUMNS}`,
      [userId, input.name, key.toString("base64"), MAX_DEVICES_PER_USER],
    );
    if (!rows[0]) throw new AppError("conflict", `At most ${MAX_DEVICES_PER_USER} devices: remove one first`);
    return toDevice(rows[0]);
  } catch (err) {
    if ((err as { code?: string }).code === "23505")
      throw new AppError("conflict", "This signature key is already registered");
    throw err;
  }
}

export async function listDevices(ctx: DomainContext, userId: number) {
  const { rows } = await ctx.db.pool.query<DeviceRow>(
    `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 AND removed_at IS NULL ORDER BY created_at, id`,
    [userId],
  );
  return { devices: rows.map(toDevice) };
}

export async function renameDevice(ctx: DomainContext, userId: number, deviceId: string, name: string) {
  const { rows } = await ctx.db.pool.query<DeviceRow>(
    `UPDATE devices SET name = $3 WHERE id = $1 AND user_id = $2 AND removed_at IS NULL RETURNING ${DEVICE_COLUMNS}`,
    [deviceId, userId, name],
  );
  if (!rows[0]) throw new AppError("not_found", "No such device of yours");
  return toDevice(rows[0]);
}

/**
 * Removes a device of mine: marked removed (its key is never reused), its KeyPackages and
 * Welcomes deleted, its sockets dropped on every node, and the server proposes its removal from
 * each encrypted chat whose group holds it (the next commit there must remove it).
 */
export async function removeDevice(ctx: DomainContext, userId: number, deviceId: string) {
  const { rows } = await ctx.db.pool.query<{ deleted: number; found: number }>(
    `WITH d AS (UPDATE devices SET removed_at = now() WHERE id = $1 AND user_id = $2 AND removed_at IS NULL RETURNING id),
          k AS (DELETE FROM key_packages WHERE device_id IN (SELECT id FROM d) RETURNING 1),
          w AS (DELETE FROM mls_welcomes WHERE device_id IN (SELECT id FROM d) RETURNING 1)
     SELECT (SELECT count(*) FROM k)::int AS deleted, (SELECT count(*) FROM d)::int AS found`,
    [deviceId, userId],
  );
  if (rows[0].found === 0) throw new AppError("not_found", "No such device of yours");
  ctx.bus.dropDevice(deviceId);
  const chats = await ctx.db.pool.query<{ chat_id: number }>(
    "SELECT chat_id FROM mls_members WHERE device_id = $1",
    [deviceId],
  );
  for (const c of chats.rows) await proposeDeviceRemovals(ctx, c.chat_id, userId);
  return { removed: deviceId, key_packages_deleted: rows[0].deleted };
}

/** Someone's devices, for a user who shares a chat with them (or for themselves). */
export async function userDevices(ctx: DomainContext, me: number, userId: number) {
  if (me !== userId) {
    const { rows } = await ctx.db.pool.query(
      `SELECT 1 FROM chat_members a JOIN chat_members b ON b.chat_id = a.chat_id
        WHERE a.user_id = $1 AND b.user_id = $2 LIMIT 1`,
      [me, userId],
    );
    // Not sharing a chat looks like not existing: nobody learns who has an account.
    if (rows.length === 0) throw new AppError("user_not_found");
  }
  return listDevices(ctx, userId);
}

async function ownDevice(ctx: DomainContext, userId: number, deviceId: string) {
  const { rows } = await ctx.db.pool.query<{ signature_key: string }>(
    "SELECT signature_key FROM devices WHERE id = $1 AND user_id = $2 AND removed_at IS NULL",
    [deviceId, userId],
  );
  if (!rows[0]) throw new AppError("not_found", "No such device of yours");
  return rows[0];
}

export async function keyPackageStock(ctx: DomainContext, userId: number, deviceId: string) {
  await ownDevice(ctx, userId, deviceId);
  return stockOf(ctx, deviceId);
}

async function stockOf(ctx: DomainContext, deviceId: string) {
  const { rows } = await ctx.db.pool.query<{ stock: number; last_resort: boolean }>(
    `SELECT count(*) FILTER (WHERE NOT last_resort)::int AS stock, bool_or(last_resort) IS TRUE AS last_resort
       FROM key_packages WHERE device_id = $1`,
    [deviceId],
  );
  const { stock, last_resort } = rows[0];
  return { device_id: deviceId, stock, last_resort, low: stock < KEY_PACKAGES_LOW };
}

/** Each KeyPackage is checked (ts-mls): our suite, this device's credential and key, a valid signature. */
export async function uploadKeyPackages(
  ctx: DomainContext,
  userId: number,
  deviceId: string,
  input: { key_packages: string[]; last_resort?: string },
) {
  const device = await ownDevice(ctx, userId, deviceId);
  const who = { userId, deviceId, signatureKey: device.signature_key };
  for (const kp of [...input.key_packages, ...(input.last_resort ? [input.last_resort] : [])])
    await checkKeyPackage(kp, who);
  const client = await ctx.db.pool.connect();
  try {
    await client.query("BEGIN");
    // Uploads of one device run one after the other, so the stock bound holds.
    await client.query("SELECT 1 FROM devices WHERE id = $1 FOR UPDATE", [deviceId]);
    const have = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM key_packages WHERE device_id = $1 AND NOT last_resort",
      [deviceId],
    );
    if (have.rows[0].n + input.key_packages.length > KEY_PACKAGES_MAX_STOCK)
      throw new AppError("conflict", `A device keeps at most ${KEY_PACKAGES_MAX_STOCK} KeyPackages`);
    await client.query("INSERT INTO key_packages (device_id, data) SELECT $1, unnest($2::text[])", [
      deviceId,
      input.key_packages,
    ]);
    if (input.last_resort) {
      await client.query("DELETE FROM key_packages WHERE device_id = $1 AND last_resort", [deviceId]);
      await client.query("INSERT INTO key_packages (device_id, data, last_resort) VALUES ($1, $2, true)", [
        deviceId,
        input.last_resort,
      ]);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return stockOf(ctx, deviceId);
}

/**
 * One KeyPackage per asked-for device: devices of mine or of people I share a chat with. A
 * one-time KeyPackage is deleted by the statement that picks it (rows another claim holds are
 * skipped), so it is handed out once however many claims race; a device without one gets its
 * last-resort KeyPackage (not deleted). An owner whose device ran low is told (`key_packages:low`).
 */
export async function claimKeyPackages(ctx: DomainContext, me: number, deviceIds: string[]) {
  const ids = [...new Set(deviceIds.map((d) => d.toLowerCase()))];
  const allowed = await ctx.db.pool.query<{ id: string; user_id: number }>(
    `SELECT d.id, d.user_id FROM devices d
      WHERE d.id = ANY($1::uuid[]) AND d.removed_at IS NULL
        AND (d.user_id = $2 OR EXISTS (SELECT 1 FROM chat_members a JOIN chat_members b ON b.chat_id = a.chat_id
                                        WHERE a.user_id = $2 AND b.user_id = d.user_id))`,
    [ids, me],
  );
  const owner = new Map(allowed.rows.map((r) => [r.id, r.user_id]));
  const refused = ids.filter((d) => !owner.has(d));
  if (refused.length > 0)
    throw new AppError("forbidden", "Not a device of someone you share a chat with", { device_ids: refused });
  const oneTime = await ctx.db.pool.query<{ device_id: string; data: string }>(
    `WITH picked AS (
       SELECT k.id FROM unnest($1::uuid[]) AS w(device_id)
       CROSS JOIN LATERAL (SELECT id FROM key_packages
                            WHERE device_id = w.device_id AND NOT last_resort
                            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) k)
     DELETE FROM key_packages WHERE id IN (SELECT id FROM picked) RETURNING device_id, data`,
    [ids],
  );
  const got = new Map(oneTime.rows.map((r) => [r.device_id, { data: r.data, last_resort: false }]));
  const rest = ids.filter((d) => !got.has(d));
  if (rest.length > 0) {
    const lr = await ctx.db.pool.query<{ device_id: string; data: string }>(
      "SELECT device_id, data FROM key_packages WHERE device_id = ANY($1::uuid[]) AND last_resort",
      [rest],
    );
    for (const r of lr.rows) got.set(r.device_id, { data: r.data, last_resort: true });
  }
  void warnLowStock(ctx, [...got.keys()], owner).catch((err: unknown) =>
    ctx.log.warn({ err }, "could not check KeyPackage stock"),
  );
  return {
    key_packages: [...got].map(([device_id, k]) => ({
      device_id,
      user_id: owner.get(device_id)!,
      key_package: k.data,
      last_resort: k.last_resort,
    })),
    missing: ids.filter((d) => !got.has(d)),
  };
}

async function warnLowStock(ctx: DomainContext, deviceIds: string[], owner: Map<string, number>) {
  for (const id of deviceIds) {
    const s = await stockOf(ctx, id);
    if (s.low) ctx.bus.toUser(owner.get(id)!, "key_packages:low", s);
  }
}
