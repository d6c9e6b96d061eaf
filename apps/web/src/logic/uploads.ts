/**
 * Files on their way into a message (issue 16): what each one is doing, what a person reads when
 * it fails, and whether the message they belong to may be sent. Pure: the controller
 * (controller/uploads.ts) does the requests, the view (views/attachment-tray.ts) draws this.
 */

import type { EncryptedFileRef } from "@chat/client";

type UploadState = "asking" | "uploading" | "checking" | "ready" | "failed" | "cancelled";

export interface UploadItem {
  /** This page's own key for the file (the server's id comes later). */
  key: string;
  chatId: number;
  file: File;
  state: UploadState;
  /** Bytes sent so far (the upload's progress events). */
  sent: number;
  /** The server's attachment id, once the upload was granted. */
  id?: string;
  /** In an encrypted chat: how to open the encrypted upload (goes inside the MLS message). */
  ref?: EncryptedFileRef;
  /** Why it failed, in a person's words. */
  error?: string;
  /** False when trying again cannot help (too big, over quota, refused). */
  retryable?: boolean;
}

/** Sizes as people read them: "812 bytes", "4.8 KB", "25 MB" (1 KB = 1,000 bytes, as file managers show). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = bytes;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${units[u]}`;
}

/** Percent of the file sent, 0–100. */
export function percent(item: Pick<UploadItem, "sent" | "file" | "state">): number {
  if (item.state === "checking" || item.state === "ready") return 100;
  if (item.file.size === 0) return 0;
  return Math.min(100, Math.floor((item.sent / item.file.size) * 100));
}

/** The media type to declare: the browser's guess when it is a plain `type/subtype`, else bytes. */
export function declaredType(file: Pick<File, "type">): string {
  const t = file.type.split(";")[0].trim().toLowerCase();
  return /^[\w.+-]+\/[\w.+-]+$/.test(t) && t.length <= 127 ? t : "application/octet-stream";
}

/** A name for a pasted image that came without one ("image.png" from every clipboard). */
export function pastedName(file: Pick<File, "name" | "type">, now = new Date()): string {
  if (file.name && file.name !== "image.png") return file.name;
  const ext = file.type.split("/")[1]?.replace(/[^a-z0-9]/gi, "") || "png";
  const stamp = now.toISOString().slice(0, 19).replace(/[T:]/g, "-");
  return `pasted-${stamp}.${ext}`;
}

/** What a refused or failed upload says, from the server's error code and details. */
interface Refusal {
  status?: number;
  code?: string;
  details?: Record<string, unknown>;
}

const REASONS: Record<string, string> = {
  empty: "is empty",
  too_large: "is larger than the server accepts",
  size_mismatch: "did not arrive whole; try again",
  image_too_large: "is an image with too many pixels to show",
  image_unreadable: "is not an image that can be read (damaged or not really an image)",
};

/**
 * `name` "…" followed by the reason, for the tray. `undefined` code: the connection failed.
 * Answers whether trying the same file again could help.
 */
export function refusalText(name: string, r: Refusal): { text: string; retryable: boolean } {
  const n = `“${name}”`;
  const num = (k: string) => (typeof r.details?.[k] === "number" ? (r.details[k] as number) : undefined);
  switch (r.code) {
    case "file_too_large": {
      const max = num("max_bytes");
      return {
        text: `${n} is too big: files may be at most ${max ? formatSize(max) : "the server's limit"}.`,
        retryable: false,
      };
    }
    case "payload_too_large":
      return { text: `${n} is too big for the server.`, retryable: false };
    case "quota_exceeded": {
      const quota = num("quota_bytes");
      const used = num("used_bytes");
      const room =
        quota !== undefined && used !== undefined
          ? ` (${formatSize(used)} of ${formatSize(quota)} used)`
          : "";
      return {
        text: `${n} does not fit in your storage space${room}. Delete some files first.`,
        retryable: false,
      };
    }
    case "attachment_rejected": {
      const reason = typeof r.details?.reason === "string" ? REASONS[r.details.reason] : undefined;
      return {
        text: `${n} was not accepted: it ${reason ?? "is not a file the server accepts"}.`,
        retryable: false,
      };
    }
    case "validation_failed":
      return { text: `${n} cannot be sent (empty or unnamed files cannot).`, retryable: false };
    case "rate_limited":
      return { text: `Too many uploads at once: wait a minute, then retry ${n}.`, retryable: true };
    case "unavailable":
      return { text: `The server is busy: retry ${n} in a moment.`, retryable: true };
    case undefined:
      return { text: `${n} was not uploaded: the connection failed.`, retryable: true };
    default:
      return {
        text: `${n} was not uploaded (${r.code}).`,
        retryable: r.status === undefined || r.status >= 500,
      };
  }
}

/** What the composer's send does with the chat's files: wait for them, refuse, or go. */
export function sendReadiness(items: readonly UploadItem[]): "none" | "wait" | "blocked" | "ready" {
  const live = items.filter((i) => i.state !== "cancelled");
  if (live.length === 0) return "none";
  if (live.some((i) => i.state === "failed")) return "blocked";
  if (live.every((i) => i.state === "ready")) return "ready";
  return "wait";
}

/** A link (`{url, expires_at}`) is used until this long before it expires. */
const LINK_MARGIN_MS = 30_000;

export function linkFresh(link: { expires_at: string } | undefined, now = Date.now()): boolean {
  return !!link && Date.parse(link.expires_at) - LINK_MARGIN_MS > now;
}
