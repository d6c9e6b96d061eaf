/**
 * The id of this browser profile's MLS device, remembered in localStorage so that the socket says
 * which device it is from its first connection (no reconnect once the encryption half loads). The
 * device itself (keys, groups) lives in IndexedDB; this is only a hint: a device removed meanwhile
 * is refused at connect (`device_required`), the hint is dropped and the socket connects without.
 */
const key = (userId: number) => `chat.mlsDevice.${userId}`;

export function deviceHint(userId: number): string | undefined {
  try {
    return localStorage.getItem(key(userId)) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveDeviceHint(userId: number, deviceId: string | undefined): void {
  try {
    if (deviceId) localStorage.setItem(key(userId), deviceId);
    else localStorage.removeItem(key(userId));
  } catch {
    // Storage blocked: the socket reconnects as the device once the encryption half loads.
  }
}
