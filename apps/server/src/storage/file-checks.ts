/**
 * What completion learns from the bytes themselves (issue 16): the real type from the first bytes
 * (`file-type`, never the client's word), and for images (JPEG, PNG, WebP, GIF, AVIF) a decode with
 * `sharp` that applies the orientation and drops every metadata block (EXIF, GPS, XMP), the
 * dimensions, and a WebP thumbnail. Decoding is bounded three ways: `limitInputPixels` (a
 * 30,000 × 30,000 PNG fails before it is decoded), a small number of images at once per node
 * (ImageWorkshop; sharp decodes on libuv's threads, never on the event loop), and a short queue
 * past which completion answers the retryable `unavailable`.
 */
import type { Readable } from "node:stream";
import { fileTypeFromBuffer } from "file-type";
import sharp, { type OutputInfo, type Sharp } from "sharp";
import { AppError } from "@chat/protocol";
import type { BlobStore } from "./blob-store.ts";

/** file-type's own advice: 4100 bytes tell every type it knows by its magic numbers. */
export const SNIFF_BYTES = 4100;
export const THUMBNAIL_PX = 320;
/** 50 megapixels: a 12,000 × 4,000 photo passes; a decompression bomb does not. */
export const MAX_IMAGE_PIXELS = 50_000_000;

const IMAGE_FORMATS = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/avif": "avif",
} as const;
type ImageMime = keyof typeof IMAGE_FORMATS;
export const isImage = (mime: string): mime is ImageMime => Object.hasOwn(IMAGE_FORMATS, mime);

// Images are decoded a few at a time with one libvips thread each, and nothing is cached between them.
sharp.cache(false);
sharp.concurrency(1);

async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
    if (n >= max) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, max);
}

/** The type the content says it is (`application/octet-stream` when it says nothing known). */
export async function sniffType(blobs: BlobStore, key: string, size: number): Promise<string> {
  const n = Math.min(size, SNIFF_BYTES);
  const head = await readAll(await blobs.get(key, { start: 0, end: n - 1 }), n);
  return (await fileTypeFromBuffer(head))?.mime ?? "application/octet-stream";
}

/** Why an image was refused: the `reason` of a failed upload. */
export type ImageRefusal = "image_too_large" | "image_unreadable";

export class ImageRefused extends Error {
  constructor(
    readonly reason: ImageRefusal,
    cause: unknown,
  ) {
    super(reason, { cause });
  }
}

/** Runs at most `slots` jobs at once and queues at most `queue` more; past that, `unavailable`. */
export class ImageWorkshop {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(
    private readonly slots = 2,
    private readonly queue = 32,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) {
      if (this.waiting.length >= this.queue) {
        throw new AppError("unavailable", "Too many images are being processed; retry in a moment", {
          retry_after: 2,
        });
      }
      // The finishing job hands its slot over: `running` stays counted.
      await new Promise<void>((r) => this.waiting.push(r));
    } else this.running++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Pipes a stored blob through a sharp transform, failing the transform if the read fails. */
function through(source: Readable, t: Sharp): Sharp {
  source.on("error", (err) => t.destroy(err));
  return source.pipe(t);
}

function refusal(err: unknown): never {
  // Re-encoded past the size limit: the image's fault (a retry would do the same).
  if (err instanceof AppError && err.code === "payload_too_large")
    throw new ImageRefused("image_too_large", err);
  if (err instanceof AppError) throw err; // storage trouble: retryable, not the file's fault
  const msg = String((err as Error)?.message ?? err);
  throw new ImageRefused(/pixel limit|too large/i.test(msg) ? "image_too_large" : "image_unreadable", err);
}

export interface ProcessedImage {
  width: number;
  height: number;
  /** Bytes of the stripped original that replaced the upload. */
  size: number;
}

/**
 * Replaces the image under `key` by its re-encoded self (orientation applied, no metadata) and
 * writes a thumbnail under `thumbnailKey`. Throws ImageRefused for a file that is not a decodable
 * image within the pixel limit.
 */
export async function processImage(
  blobs: BlobStore,
  key: string,
  thumbnailKey: string,
  mime: ImageMime,
  maxBytes: number,
): Promise<ProcessedImage> {
  const animated = mime === "image/gif" || mime === "image/webp";
  const input = { limitInputPixels: MAX_IMAGE_PIXELS, animated };
  let info: OutputInfo | undefined;
  let size: number;
  try {
    const strip = sharp(input)
      .rotate()
      .toFormat(IMAGE_FORMATS[mime], mime === "image/avif" ? { effort: 2 } : {})
      .on("info", (i: OutputInfo) => (info = i));
    ({ size } = await blobs.put(key, through(await blobs.get(key), strip), { contentType: mime, maxBytes }));
    const thumb = sharp({ limitInputPixels: MAX_IMAGE_PIXELS })
      .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: 75 });
    await blobs.put(thumbnailKey, through(await blobs.get(key), thumb), {
      contentType: "image/webp",
      maxBytes: 4 * 1024 * 1024,
    });
  } catch (err) {
    refusal(err);
  }
  const i = info as (OutputInfo & { pageHeight?: number }) | undefined;
  if (!i) throw new ImageRefused("image_unreadable", new Error("no output"));
  return { width: i.width, height: i.pageHeight ?? i.height, size };
}
