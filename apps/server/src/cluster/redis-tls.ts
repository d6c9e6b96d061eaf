/**
 * TLS for the node's Redis clients (issue 17, item 5): a `rediss://` REDIS_URL connects over TLS,
 * verifying the server against the system's CAs, or against REDIS_TLS_CA_FILE (a private CA, a
 * self-signed server). REDIS_TLS_SERVERNAME names the host the certificate must carry when REDIS_URL
 * uses another name or an address. Every client of the node (adapter pub and sub, shared state) gets
 * the same options, read once at start.
 */
import fs from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { Config } from "../config/env.ts";

type RedisTlsConfig = Pick<Config, "REDIS_URL" | "REDIS_TLS_CA_FILE" | "REDIS_TLS_SERVERNAME">;

/** ioredis' `tls` option for REDIS_URL: undefined for redis://; throws on a setting that cannot apply. */
export function redisTlsOptions(config: RedisTlsConfig): ConnectionOptions | undefined {
  const url = config.REDIS_URL;
  const isTls = url !== undefined && new URL(url).protocol === "rediss:";
  if (!isTls) {
    for (const key of ["REDIS_TLS_CA_FILE", "REDIS_TLS_SERVERNAME"] as const) {
      // Silently connecting in clear text while the operator asked for a CA would be the worst outcome.
      if (config[key]) throw new Error(`${key} is set but REDIS_URL is not a rediss:// URL`);
    }
    return undefined;
  }
  const tls: ConnectionOptions = {};
  if (config.REDIS_TLS_CA_FILE) {
    try {
      tls.ca = fs.readFileSync(config.REDIS_TLS_CA_FILE, "utf8");
    } catch (err) {
      throw new Error(
        `REDIS_TLS_CA_FILE: cannot read ${config.REDIS_TLS_CA_FILE}: ${(err as Error).message}`,
      );
    }
  }
  if (config.REDIS_TLS_SERVERNAME) tls.servername = config.REDIS_TLS_SERVERNAME;
  return tls;
}
