/**
 * The S3-compatible BlobStore (AWS S3, MinIO, Ceph, R2…) over `@aws-sdk/client-s3`. Clients send
 * and fetch bytes straight to and from storage through presigned URLs; the node only reads what it
 * checks (the first bytes, images) and writes what it makes (stripped images, thumbnails).
 *
 * Every call is bounded: connecting and each wait for bytes by `timeoutMs` (an idle timeout, so a
 * large transfer that keeps moving is not cut), and calls without a body (head, delete, the wait for
 * a read's first byte) by `timeoutMs` overall. A storage that accepts connections and never answers
 * is therefore the retryable `unavailable`, never a hang.
 *
 * Presigned links are made with a second client on `publicEndpoint`: the node may reach storage as
 * `minio:9000` while browsers reach it as `localhost:9000`. Signing needs no network.
 */
import fs from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AppError } from "@chat/protocol";
import { byteBound } from "./blob-store.disk.ts";
import {
  checkKey,
  storageUnavailable,
  type BlobStore,
  type ByteRange,
  type DownloadOptions,
  type PutOptions,
} from "./blob-store.ts";

export interface S3Settings {
  /** The endpoint the node talks to; unset: AWS S3 of `region`. */
  endpoint?: string;
  /** The endpoint in presigned links (what browsers reach); unset: `endpoint`. */
  publicEndpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  timeoutMs: number;
  /** Where writes of unknown length are spooled first (S3 needs the length up front). */
  spoolDir?: string;
}

function clientConfig(s: S3Settings, endpoint: string | undefined): S3ClientConfig {
  return {
    region: s.region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: s.forcePathStyle,
    ...(s.accessKeyId && s.secretAccessKey
      ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } }
      : {}),
    // A checksum of the (absent) body would be signed into presigned PUTs and refuse every
    // upload; MinIO and older S3-compatibles also do not all speak the new checksum headers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 2,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes, and
    // the call waits on forever (seen against a server that accepts and never answers).
    requestHandler: {
      connectionTimeout: s.timeoutMs,
      requestTimeout: s.timeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
};

export class S3BlobStore implements BlobStore {
  readonly kind = "s3";
  private readonly client: S3Client;
  private readonly signer: S3Client;
  private readonly spoolDir: string;

  constructor(private readonly s: S3Settings) {
    this.client = new S3Client(clientConfig(s, s.endpoint));
    this.signer = new S3Client(clientConfig(s, s.publicEndpoint ?? s.endpoint));
    this.spoolDir = s.spoolDir ?? path.join(os.tmpdir(), "chat-blob-spool");
  }

  /** Runs one call with an overall deadline; any failure but "absent" is `unavailable`. */
  private async call<T>(what: string, run: (signal: AbortSignal) => Promise<T>, overall = true): Promise<T> {
    const ac = new AbortController();
    const timer = overall ? setTimeout(() => ac.abort(), this.s.timeoutMs) : undefined;
    try {
      return await run(ac.signal);
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (isNotFound(err)) throw new AppError("not_found");
      const e = err as { name?: string; message?: string };
      throw storageUnavailable(
        ac.signal.aborted
          ? `${what} timed out after ${this.s.timeoutMs} ms`
          : `${what}: ${e?.name ?? "error"}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }> {
    checkKey(key);
    // S3 wants the length before the bytes: spool to a temporary file (memory stays flat).
    await mkdir(this.spoolDir, { recursive: true });
    const tmp = path.join(this.spoolDir, crypto.randomUUID());
    try {
      const bound = byteBound(opts.maxBytes);
      await pipeline(body, bound, fs.createWriteStream(tmp, { flags: "wx" }));
      await this.call(
        "put",
        (abortSignal) =>
          this.client.send(
            new PutObjectCommand({
              Bucket: this.s.bucket,
              Key: key,
              Body: fs.createReadStream(tmp),
              ContentLength: bound.bytes,
              ContentType: opts.contentType,
            }),
            { abortSignal },
          ),
        false,
      );
      return { size: bound.bytes };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    checkKey(key);
    const out = await this.call("get", (abortSignal) =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.s.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
        { abortSignal },
      ),
    );
    return out.Body as Readable;
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    checkKey(key);
    try {
      const out = await this.call("head", (abortSignal) =>
        this.client.send(new HeadObjectCommand({ Bucket: this.s.bucket, Key: key }), { abortSignal }),
      );
      return { size: out.ContentLength ?? 0 };
    } catch (err) {
      if (err instanceof AppError && err.code === "not_found") return undefined;
      throw err;
    }
  }

  async move(from: string, to: string): Promise<void> {
    checkKey(from);
    checkKey(to);
    // A server-side copy (one request up to 5 GB), then the source goes.
    await this.call("copy", (abortSignal) =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.s.bucket,
          Key: to,
          CopySource: `${this.s.bucket}/${from.split("/").map(encodeURIComponent).join("/")}`,
        }),
        { abortSignal },
      ),
    );
    await this.delete(from);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.call("delete", (abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.s.bucket, Key: key }), { abortSignal }),
    );
  }

  async uploadTarget(key: string, opts: { size: number; contentType: string; expiresIn: number }) {
    checkKey(key);
    // Content-Length and Content-Type are signed: storage refuses other bytes or another type.
    const url = await getSignedUrl(
      this.signer,
      new PutObjectCommand({
        Bucket: this.s.bucket,
        Key: key,
        ContentLength: opts.size,
        ContentType: opts.contentType,
      }),
      { expiresIn: opts.expiresIn, signableHeaders: new Set(["content-type", "content-length"]) },
    );
    return { method: "PUT" as const, url, headers: { "Content-Type": opts.contentType } };
  }

  async downloadUrl(key: string, opts: DownloadOptions): Promise<string> {
    checkKey(key);
    return getSignedUrl(
      this.signer,
      new GetObjectCommand({
        Bucket: this.s.bucket,
        Key: key,
        ResponseContentDisposition: opts.disposition,
        ResponseContentType: opts.contentType,
        ResponseCacheControl: "private, max-age=60",
      }),
      { expiresIn: opts.expiresIn },
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
    this.signer.destroy();
  }
}
