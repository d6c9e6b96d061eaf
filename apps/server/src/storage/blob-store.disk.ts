/**
 * The filesystem BlobStore: files under one folder (DATA_DIR/blobs by default). Writes go to a
 * temporary file beside the target and are renamed over it, so a reader sees the old bytes or the
 * new ones, never a mix, and an aborted write leaves nothing. Upload and download links are
 * node-served paths signed by BlobLinks (blob-links.ts; served by blob-routes.ts).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@chat/protocol";
import type { BlobLinks } from "./blob-links.ts";
import {
  checkKey,
  type BlobStore,
  type ByteRange,
  type DownloadOptions,
  type PutOptions,
} from "./blob-store.ts";

/** Counts the bytes passing through; fails with `payload_too_large` past `max`. */
export function byteBound(max: number): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      t.bytes += chunk.length;
      if (t.bytes > max) cb(new AppError("payload_too_large", `More than ${max} bytes`));
      else cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

export class DiskBlobStore implements BlobStore {
  readonly kind = "filesystem";
  constructor(
    private readonly dir: string,
    private readonly links: BlobLinks,
  ) {}

  private file(key: string): string {
    return path.join(this.dir, checkKey(key));
  }

  async put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${crypto.randomUUID()}.part`;
    const bound = byteBound(opts.maxBytes);
    try {
      await pipeline(body, bound, fs.createWriteStream(tmp, { flags: "wx" }));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { size: bound.bytes };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.file(key);
    if (!(await this.head(key))) throw new AppError("not_found");
    return fs.createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.file(key));
      return s.isFile() ? { size: s.size } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async move(from: string, to: string): Promise<void> {
    const src = this.file(from);
    const dst = this.file(to);
    await mkdir(path.dirname(dst), { recursive: true });
    try {
      await rename(src, dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new AppError("not_found");
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async uploadTarget(key: string, opts: { size: number; contentType: string; expiresIn: number }) {
    checkKey(key);
    return {
      method: "PUT" as const,
      url: this.links.link({ op: "put", key, size: opts.size, type: opts.contentType }, opts.expiresIn),
      headers: { "Content-Type": opts.contentType },
    };
  }

  async downloadUrl(key: string, opts: DownloadOptions): Promise<string> {
    checkKey(key);
    return this.links.link(
      { op: "get", key, type: opts.contentType, disposition: opts.disposition },
      opts.expiresIn,
    );
  }

  async close(): Promise<void> {}
}
