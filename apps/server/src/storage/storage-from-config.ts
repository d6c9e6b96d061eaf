/**
 * The one place the BlobStore is chosen: STORAGE_DRIVER, or `s3` when S3_BUCKET is set, else the
 * filesystem under DATA_DIR/blobs. A half-configured S3 fails the start, loudly.
 */
import path from "node:path";
import type { Config } from "../config/env.ts";
import { BlobLinks } from "./blob-links.ts";
import { DiskBlobStore } from "./blob-store.disk.ts";
import { S3BlobStore } from "./blob-store.s3.ts";
import type { BlobStore } from "./blob-store.ts";

export interface Storage {
  blobs: BlobStore;
  /** The filesystem driver's signed links (its node-served endpoints need them); absent for S3. */
  links?: BlobLinks;
  /** The origin of presigned links (S3), for the web client's Content-Security-Policy. */
  publicOrigin?: string;
  /** What to log at start (no secrets). */
  describe: string;
}

export function storageFrom(config: Config, dataDir: string, secret: string | Buffer): Storage {
  const driver = config.STORAGE_DRIVER ?? (config.S3_BUCKET ? "s3" : "filesystem");
  if (driver === "s3") {
    if (!config.S3_BUCKET) throw new Error("STORAGE_DRIVER=s3 needs S3_BUCKET");
    if (!config.S3_ACCESS_KEY_ID !== !config.S3_SECRET_ACCESS_KEY) {
      throw new Error("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together");
    }
    const blobs = new S3BlobStore({
      endpoint: config.S3_ENDPOINT,
      publicEndpoint: config.S3_PUBLIC_ENDPOINT,
      bucket: config.S3_BUCKET,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      timeoutMs: config.STORAGE_TIMEOUT_MS,
      spoolDir: path.join(dataDir, "spool"),
    });
    const endpoint = config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT;
    const publicOrigin = endpoint
      ? new URL(endpoint).origin
      : config.S3_FORCE_PATH_STYLE
        ? `https://s3.${config.S3_REGION}.amazonaws.com`
        : `https://${config.S3_BUCKET}.s3.${config.S3_REGION}.amazonaws.com`;
    return {
      blobs,
      publicOrigin,
      describe: `s3 bucket ${config.S3_BUCKET} at ${config.S3_ENDPOINT ?? "AWS"}`,
    };
  }
  const links = new BlobLinks(secret);
  const dir = path.join(dataDir, "blobs");
  return { blobs: new DiskBlobStore(dir, links), links, describe: `filesystem ${dir}` };
}
