/**
 * Where attachment bytes live (issue 16): one narrow seam, a filesystem implementation
 * (blob-store.disk.ts, the default: one node, or nodes sharing a volume) and an S3-compatible one
 * (blob-store.s3.ts, for a cluster), chosen in storage-from-config.ts. Bytes always move as
 * streams, never whole in a node's memory. Both pass test/contract/blob-store.contract.ts.
 *
 * Failures are catalogue errors: `not_found` (no such key), `payload_too_large` (a write past its
 * bound; nothing is stored), `unavailable` (storage did not answer within its timeout: retryable).
 */
import type { Readable } from "node:stream";
import { AppError } from "@chat/protocol";

export interface PutOptions {
  contentType: string;
  /** The write fails with `payload_too_large`, storing nothing, once more bytes than this arrive. */
  maxBytes: number;
}

/** Inclusive byte range, as HTTP's `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Where and how a client sends an upload's bytes. */
export interface UploadTarget {
  method: "PUT";
  /** Absolute (S3) or relative to the API's origin (the filesystem driver's node-served path). */
  url: string;
  /** Headers the client must send as given (the link is bound to them). */
  headers: Record<string, string>;
}

export interface DownloadOptions {
  /** The whole Content-Disposition header value (see content-disposition.ts). */
  disposition: string;
  contentType: string;
  expiresIn: number;
}

export interface BlobStore {
  /** `filesystem` or `s3`: for logs and the upload flow's choices. */
  readonly kind: "filesystem" | "s3";
  /** Stores a stream under `key` (replacing what was there, atomically); answers the bytes written. */
  put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }>;
  /** The bytes of `key` (or of a range of it) as a stream; `not_found` if absent. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The size of `key`, or undefined if absent. */
  head(key: string): Promise<{ size: number } | undefined>;
  /**
   * Moves `from` to `to` inside storage (no bytes through the node; replaces `to`); `not_found` if
   * `from` is absent. Completion moves an upload out of the key its link may still write to.
   */
  move(from: string, to: string): Promise<void>;
  /** Removes `key`; absent is fine (deletes are repeated by sweepers on several nodes). */
  delete(key: string): Promise<void>;
  /** A link the client may PUT exactly `size` bytes of `contentType` to, until `expiresIn` seconds from now. */
  uploadTarget(
    key: string,
    opts: { size: number; contentType: string; expiresIn: number },
  ): Promise<UploadTarget>;
  /** A link that serves `key` with the given disposition and type, until `expiresIn` seconds from now. */
  downloadUrl(key: string, opts: DownloadOptions): Promise<string>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * Keys are made by the server (never from a client's file name): path segments of letters,
 * digits, `.`, `_` and `-`, none of them `.` or `..`.
 */
export function checkKey(key: string): string {
  const ok =
    key.length > 0 &&
    key.length <= 200 &&
    key.split("/").every((s) => /^[A-Za-z0-9._-]+$/.test(s) && s !== "." && s !== "..");
  if (!ok) throw new AppError("validation_failed", "Invalid storage key");
  return key;
}

/** The retryable failure of a storage that did not answer (stalled, down, refused). */
export const storageUnavailable = (why: string) =>
  new AppError("unavailable", `Storage is unavailable (${why}); retry later`);
