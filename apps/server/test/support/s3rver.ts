/**
 * A private S3-protocol server for the enclosing describe block: `s3rver` (npm), started before
 * and closed after, with a fresh bucket on demand. s3rver does NOT check signatures or expiry
 * (a tampered presigned URL still answers 200): tests of those are at our own edge.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import S3rver from "s3rver";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3Settings } from "../../src/storage/blob-store.s3.ts";
import { filledLater } from "./filled-later.ts";

export const S3RVER_KEYS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface S3rverHandle {
  endpoint(): string;
  /** A new bucket (DNS-valid name) for one test or one cluster. */
  freshBucket(): Promise<string>;
  /** BlobStore settings for a bucket of this server. */
  settings(bucket: string): S3Settings;
  /** The node environment for STORAGE_DRIVER=s3 on a bucket of this server. */
  env(bucket: string): Record<string, string>;
}

export async function startS3rver(): Promise<S3rverHandle & { close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const admin = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_KEYS,
  });
  return {
    endpoint: () => endpoint,
    async freshBucket() {
      const bucket = `t-${crypto.randomUUID().slice(0, 12)}`;
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    settings: (bucket) => ({
      endpoint,
      bucket,
      region: "us-east-1",
      forcePathStyle: true,
      timeoutMs: 5000,
      ...S3RVER_KEYS,
    }),
    env: (bucket) => ({
      STORAGE_DRIVER: "s3",
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: S3RVER_KEYS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3RVER_KEYS.secretAccessKey,
      S3_FORCE_PATH_STYLE: "true",
    }),
    async close() {
      admin.destroy();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An s3rver for the enclosing describe block (see `filledLater`). */
export function useS3rver(): S3rverHandle {
  let s: Awaited<ReturnType<typeof startS3rver>> | undefined;
  before(async () => {
    s = await startS3rver();
  });
  after(() => s?.close());
  return filledLater<S3rverHandle>("useS3rver()", () => s);
}
