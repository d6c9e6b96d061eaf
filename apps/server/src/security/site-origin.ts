/**
 * Whether a browser request comes from this site's own pages (or an origin CORS_ORIGINS lists):
 * its `Origin` names the host the request was sent to (`X-Forwarded-Host` behind the proxy, else
 * `Host`). The Socket.IO handshake and the refresh cookie ask the same question here.
 */
export function isOwnOrigin(
  origin: string,
  headers: { host?: string; "x-forwarded-host"?: string | string[] },
  corsOrigins: string[] | "same-origin",
): boolean {
  if (corsOrigins !== "same-origin" && corsOrigins.includes(origin)) return true;
  const forwarded = headers["x-forwarded-host"];
  const host = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? headers.host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
