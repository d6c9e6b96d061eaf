/**
 * A random (version 4) UUID for client ids. `crypto.randomUUID` exists only in secure contexts
 * (HTTPS, localhost): a page opened over plain HTTP on another host (a LAN address) has only
 * `crypto.getRandomValues`, from which the same UUID is formed (RFC 9562, section 5.4).
 */
export function uuid(
  c: Pick<Crypto, "getRandomValues"> & { randomUUID?: () => string } = globalThis.crypto,
): string {
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
