/**
 * `device:bind` (issue 17): a connection that opened before its browser registered an MLS device
 * says which device it speaks for, without reconnecting (a fresh profile registers its device
 * after the first paint, with the socket already open). Only a live device of this user, and only
 * once: a socket that speaks for a device cannot be moved to another (`conflict`). The
 * socket then joins the device's room (Welcomes) and sends MLS messages as that device.
 */
import type { Socket } from "socket.io";
import type { Logger } from "pino";
import { AppError } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import { liveDeviceOf } from "../../domain/devices.ts";
import { deviceRoom, type SocketData } from "../socket-broadcast.ts";
import { on } from "./validated-event.ts";

export function deviceBindHandler(socket: Socket, ctx: DomainContext, log: Logger) {
  on(socket, "device:bind", log, async (p) => {
    const data = socket.data as SocketData;
    if (data.deviceId !== undefined) {
      if (data.deviceId === p.device_id.toLowerCase()) return { device_id: data.deviceId };
      throw new AppError("conflict", "This connection already speaks for another device");
    }
    const device = await liveDeviceOf(ctx, data.userId, p.device_id);
    if (device === null) throw new AppError("device_required", "Not a registered device of yours");
    data.deviceId = device;
    await socket.join(deviceRoom(device));
    return { device_id: device };
  });
}
