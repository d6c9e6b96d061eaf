/**
 * Which peer addresses are trusted proxies (their X-Forwarded-For is believed), and the client
 * address that follows: one rule for Express (`trust proxy`) and the Socket.IO handshake, so the
 * per-IP limits of HTTP and of socket connections key on the same address.
 *
 * Trusted: loopback, link-local and private networks (Express's "loopback, linklocal,
 * uniquelocal"): nginx on the same host, or in the same compose/k8s network. Without the private
 * ranges every client behind a containerised nginx would share nginx's address, and one noisy
 * client would lock everybody out of login and sockets. A client on the private network itself
 * could claim any X-Forwarded-For; the per-account and per-user limits still hold for it.
 */
import net from "node:net";

const trusted = new net.BlockList();
trusted.addSubnet("127.0.0.0", 8, "ipv4");
trusted.addSubnet("10.0.0.0", 8, "ipv4");
trusted.addSubnet("172.16.0.0", 12, "ipv4");
trusted.addSubnet("192.168.0.0", 16, "ipv4");
trusted.addSubnet("169.254.0.0", 16, "ipv4");
trusted.addAddress("::1", "ipv6");
trusted.addSubnet("fc00::", 7, "ipv6");
trusted.addSubnet("fe80::", 10, "ipv6");

/** Whether a peer at `address` may tell us the client's address (X-Forwarded-For). */
export function isTrustedProxy(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const addr = mapped ? mapped[1] : address;
  const family = net.isIPv4(addr) ? "ipv4" : net.isIPv6(addr) ? "ipv6" : undefined;
  return family !== undefined && trusted.check(addr, family);
}

/**
 * The client's address as Express computes `req.ip` with `trust proxy` = isTrustedProxy: walk
 * X-Forwarded-For from the right while the hop is trusted; the first untrusted hop is the client.
 */
export function clientIp(peer: string, forwardedFor: string | string[] | undefined): string {
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "");
  const hops = header
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let ip = peer;
  while (isTrustedProxy(ip) && hops.length > 0) ip = hops.pop()!;
  return ip;
}
