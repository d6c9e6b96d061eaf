/**
 * The client's address, by one rule for Express (`req.ip`) and the Socket.IO handshake, so the
 * per-IP limits of HTTP and of socket connections key on the same address.
 *
 * Trust is a number of proxy hops (TRUST_PROXY_HOPS), not a set of networks: the shipped nginx
 * overwrites X-Forwarded-For with the address it sees, so behind it (1 hop) the last entry is the
 * client and anything the client wrote itself is never read. Trusting every private/loopback peer
 * let a client that reached nginx from a private address (VPN, same VPC) pick its own per-IP key
 * (issue 12, item 6). With 0 hops (a node reached directly) the header is ignored. A value that is
 * not an IP address is ignored too: the walk stops at the last trustworthy address.
 */
import net from "node:net";

/** "::ffff:1.2.3.4" → "1.2.3.4"; undefined for anything that is not an IP address. */
function asIp(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  const addr = mapped ? mapped[1] : v;
  return net.isIP(addr) ? addr : undefined;
}

/**
 * Walks X-Forwarded-For from the right, one entry per trusted hop, as Express's numeric
 * `trust proxy` does, but stops at (and ignores) an entry that is not an IP address.
 */
export function clientIp(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  hops: number,
): string {
  let ip = asIp(peer) ?? peer ?? "?";
  if (hops <= 0) return ip;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "");
  const entries = header
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = 0; i < hops && entries.length > 0; i++) {
    const next = asIp(entries.pop());
    if (!next) break;
    ip = next;
  }
  return ip;
}
