/**
 * Files in encrypted chats, in the browser (issue 17, item 4): a file attached, dropped or pasted
 * into an encrypted chat is encrypted here (packages/client's sealAndUpload: AES-256-GCM, a fresh
 * key per file) with a thumbnail made here for images (createImageBitmap, a canvas, at most
 * 320 px, WebP), so the server never sees its bytes, name or type. Reading, the references that
 * came inside the MLS message become the views' ordinary Attachment shape, and their "links" are
 * blob: URLs of the decrypted bytes (thumbnails kept for the page's life; a full image or a
 * download revoked once used).
 */
import {
  downloadAndOpen,
  FileDecryptError,
  sealAndUpload,
  type EncryptedFileRef,
  type FileTransport,
  type SealedBlob,
} from "@chat/client";
import type { Attachment } from "../logic/types.ts";
import { knownFile } from "./file-refs.ts";
import type { Parts } from "../controller/parts.ts";

/** The thumbnail's longest side (px), as the server makes them for plain chats. */
const THUMBNAIL_PX = 320;

/** Thumbnails' blob: URLs (and those on their way), by thumbnail id. */
const thumbs = new Map<string, Promise<string>>();

/** What a person reads when a file cannot be opened. */
function fileErrorText(err: unknown): string {
  return err instanceof FileDecryptError
    ? "This file could not be decrypted on this device (it was changed, or its key is wrong)."
    : "The file is not available.";
}

export class EncryptedFiles {
  constructor(private readonly p: Parts) {}

  private transport(): FileTransport {
    return { api: this.p.api, baseUrl: location.origin };
  }

  /** Encrypts and uploads a file (and its thumbnail, for an image the browser can decode). */
  async seal(file: File, name: string): Promise<EncryptedFileRef> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const thumb = await makeThumbnail(file);
    return sealAndUpload(
      this.transport(),
      {
        bytes,
        name,
        mime: file.type || "application/octet-stream",
        ...(thumb && { width: thumb.sourceWidth, height: thumb.sourceHeight }),
      },
      thumb && { bytes: thumb.bytes, mime: thumb.mime, width: thumb.width, height: thumb.height },
    );
  }

  /**
   * A blob: URL of the decrypted bytes. Thumbnails are kept (every redraw shows them); a full
   * file's URL is the caller's to revoke (the image viewer does when it closes).
   */
  link(id: string, variant: "original" | "thumbnail"): Promise<string> {
    const ref = knownFile(id);
    if (!ref) return Promise.reject(new Error("unknown encrypted file"));
    if (variant === "thumbnail") {
      if (!ref.thumbnail) return Promise.reject(new Error("no thumbnail"));
      const t = ref.thumbnail;
      let url = thumbs.get(t.id);
      if (!url) {
        url = this.open(t, t.mime);
        url.catch(() => thumbs.delete(t.id));
        thumbs.set(t.id, url);
      }
      return url;
    }
    return this.open(ref, ref.mime);
  }

  /** Saves the decrypted file under its real name. */
  async download(file: Attachment): Promise<void> {
    try {
      const url = await this.link(file.id, "original");
      const a = document.createElement("a");
      a.href = url;
      a.download = file.name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      // The download has taken the bytes by the next task; the URL is not needed after.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      this.p.screen.notify(`Could not download “${file.name}”: ${fileErrorText(err)}`);
    }
  }

  private async open(blob: SealedBlob, mime: string): Promise<string> {
    const bytes = await downloadAndOpen(this.transport(), blob);
    return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
  }
}

/** A WebP (or JPEG) thumbnail of at most THUMBNAIL_PX, or undefined when the file is no image this browser decodes. */
async function makeThumbnail(file: File): Promise<
  | {
      bytes: Uint8Array;
      mime: string;
      width: number;
      height: number;
      sourceWidth: number;
      sourceHeight: number;
    }
  | undefined
> {
  if (!file.type.startsWith("image/")) return undefined;
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file);
  } catch {
    return undefined;
  }
  try {
    const scale = Math.min(1, THUMBNAIL_PX / Math.max(bmp.width, bmp.height));
    const width = Math.max(1, Math.round(bmp.width * scale));
    const height = Math.max(1, Math.round(bmp.height * scale));
    let blob: Blob | null;
    if (typeof OffscreenCanvas !== "undefined") {
      const c = new OffscreenCanvas(width, height);
      c.getContext("2d")!.drawImage(bmp, 0, 0, width, height);
      blob = await c.convertToBlob({ type: "image/webp", quality: 0.75 });
    } else {
      const c = document.createElement("canvas");
      c.width = width;
      c.height = height;
      c.getContext("2d")!.drawImage(bmp, 0, 0, width, height);
      blob = await new Promise<Blob | null>((r) => c.toBlob(r, "image/webp", 0.75));
    }
    if (!blob) return undefined;
    return {
      bytes: new Uint8Array(await blob.arrayBuffer()),
      // A browser that cannot write WebP answers PNG.
      mime: blob.type || "image/png",
      width,
      height,
      sourceWidth: bmp.width,
      sourceHeight: bmp.height,
    };
  } finally {
    bmp.close();
  }
}
