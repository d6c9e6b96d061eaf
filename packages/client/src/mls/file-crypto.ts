/**
 * Files of encrypted chats (issue 17, item 4), in Node and in browsers: each file (and its
 * thumbnail) is encrypted with its own random AES-256-GCM key by WebCrypto
 * (`globalThis.crypto.subtle`), uploaded as opaque bytes (`encrypted: true`, no name, no type), and
 * described by an EncryptedFileRef — id, key, IV, SHA-256 of the ciphertext, real name, type, size,
 * dimensions, thumbnail — that travels inside the MLS application message's plaintext. A reader
 * downloads the blob, checks its hash, then decrypts (GCM's tag refuses any changed byte too).
 *
 * Size bound: the upload path is one PUT of the whole file (no chunking), and WebCrypto's AES-GCM
 * is one-shot, so a file is held in memory twice (plain and encrypted) while it is sealed; the
 * server's MAX_UPLOAD_BYTES (which counts the 16-byte tag) is the bound.
 */
import type { ApiClient } from "../rest.ts";

type RestCaller = Pick<ApiClient, "call">;

/** How many files (thumbnails count as files to the server) one message may carry. */
const MAX_ENCRYPTED_BLOBS = 10;

/** How to fetch and open one encrypted blob. */
export interface SealedBlob {
  /** The attachment id of the ciphertext. */
  id: string;
  /** The raw 256-bit AES-GCM key, base64. */
  key: string;
  /** The 96-bit IV, base64. */
  iv: string;
  /** SHA-256 of the ciphertext, base64: checked before decrypting. */
  sha256: string;
}

/** A file of an encrypted chat as its message describes it (only members ever see this). */
export interface EncryptedFileRef extends SealedBlob {
  name: string;
  mime: string;
  /** Bytes of the plain file. */
  size: number;
  width?: number;
  height?: number;
  /** A small preview made by the sender's client, encrypted the same way. */
  thumbnail?: SealedBlob & { mime: string; width?: number; height?: number };
}

/** Why a file could not be opened. */
export class FileDecryptError extends Error {
  constructor(readonly reason: "hash_mismatch" | "decrypt_failed" | "download_failed") {
    super(`the file cannot be decrypted (${reason})`);
    this.name = "FileDecryptError";
  }
}

const subtle = () => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error("WebCrypto (crypto.subtle) is not available here (a secure context is needed)");
  return s;
};
const b64 = (b: Uint8Array) => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
};
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
/** WebCrypto's types want an ArrayBuffer-backed view; ours always are. */
const buf = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;
const sha256 = async (b: Uint8Array) => b64(new Uint8Array(await subtle().digest("SHA-256", buf(b))));

/** Encrypts bytes with a fresh key and IV: the ciphertext (tag appended) and how to open it. */
export async function encryptBytes(
  plain: Uint8Array,
): Promise<{ ciphertext: Uint8Array; key: string; iv: string; sha256: string }> {
  const rawKey = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const key = await subtle().importKey("raw", rawKey, "AES-GCM", false, ["encrypt"]);
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv }, key, buf(plain)));
  return { ciphertext, key: b64(rawKey), iv: b64(iv), sha256: await sha256(ciphertext) };
}

/** Checks the ciphertext's hash, then decrypts it; FileDecryptError if either fails. */
export async function decryptBytes(
  ciphertext: Uint8Array,
  ref: Pick<SealedBlob, "key" | "iv" | "sha256">,
): Promise<Uint8Array> {
  if ((await sha256(ciphertext)) !== ref.sha256) throw new FileDecryptError("hash_mismatch");
  try {
    const key = await subtle().importKey("raw", buf(unb64(ref.key)), "AES-GCM", false, ["decrypt"]);
    return new Uint8Array(
      await subtle().decrypt({ name: "AES-GCM", iv: buf(unb64(ref.iv)) }, key, buf(ciphertext)),
    );
  } catch {
    throw new FileDecryptError("decrypt_failed");
  }
}

/** Where the blobs go: the REST client, and the origin relative upload/download links resolve against. */
export interface FileTransport {
  api: RestCaller;
  baseUrl: string;
  /** PUTs the bytes (the web app uses XMLHttpRequest for progress). @default fetch */
  put?: (target: { url: string; headers: Record<string, string> }, body: Uint8Array) => Promise<void>;
}

/**
 * Uploads bytes that are already encrypted as an opaque blob (no name, no type): asked for,
 * PUT, completed. Answers the attachment id, ready to go in an MLS send's `attachment_ids`.
 */
export async function uploadSealed(t: FileTransport, ciphertext: Uint8Array): Promise<string> {
  const asked = await t.api.call("createUpload", { body: { encrypted: true, size: ciphertext.byteLength } });
  const target = { url: new URL(asked.upload.url, t.baseUrl).toString(), headers: asked.upload.headers };
  if (t.put) await t.put(target, ciphertext);
  else {
    const res = await fetch(target.url, { method: "PUT", headers: target.headers, body: buf(ciphertext) });
    if (!res.ok) throw new Error(`the upload was refused (${res.status})`);
  }
  await t.api.call("completeUpload", { params: { attachment_id: asked.id } });
  return asked.id;
}

/** Encrypts and uploads one file (and its thumbnail, if given): its reference for the MLS message. */
export async function sealAndUpload(
  t: FileTransport,
  file: { bytes: Uint8Array; name: string; mime: string; width?: number; height?: number },
  thumbnail?: { bytes: Uint8Array; mime: string; width?: number; height?: number },
): Promise<EncryptedFileRef> {
  const sealed = await encryptBytes(file.bytes);
  const id = await uploadSealed(t, sealed.ciphertext);
  const ref: EncryptedFileRef = {
    id,
    key: sealed.key,
    iv: sealed.iv,
    sha256: sealed.sha256,
    name: file.name,
    mime: file.mime,
    size: file.bytes.byteLength,
    ...(file.width && file.height && { width: file.width, height: file.height }),
  };
  if (thumbnail) {
    const s = await encryptBytes(thumbnail.bytes);
    ref.thumbnail = {
      id: await uploadSealed(t, s.ciphertext),
      key: s.key,
      iv: s.iv,
      sha256: s.sha256,
      mime: thumbnail.mime,
      ...(thumbnail.width && thumbnail.height && { width: thumbnail.width, height: thumbnail.height }),
    };
  }
  return ref;
}

/** Downloads a blob (through the member-checked link) and opens it. */
export async function downloadAndOpen(t: FileTransport, blob: SealedBlob): Promise<Uint8Array> {
  const link = await t.api.call("getAttachmentLink", { params: { attachment_id: blob.id } });
  const res = await fetch(new URL(link.url, t.baseUrl));
  if (!res.ok) throw new FileDecryptError("download_failed");
  return decryptBytes(new Uint8Array(await res.arrayBuffer()), blob);
}

/** The attachment ids an MLS send carries for these files: each file, then its thumbnail. */
export const blobIdsOf = (files: readonly EncryptedFileRef[]) =>
  files.flatMap((f) => (f.thumbnail ? [f.id, f.thumbnail.id] : [f.id]));

/**
 * The plaintext of an MLS application message: the text alone, or — with files, or a text that
 * could be mistaken for this form — a marker that no typed text starts with, then JSON.
 */
const MARK = "\u0000chat-message/1\n";

export function encodePayload(text: string, files: readonly EncryptedFileRef[] = []): string {
  if (files.length === 0 && !text.startsWith("\u0000")) return text;
  return MARK + JSON.stringify({ text, files });
}

/** The inverse of encodePayload; file references that are not well formed are dropped. */
export function decodePayload(plain: string): { text: string; files: EncryptedFileRef[] } {
  if (!plain.startsWith(MARK)) return { text: plain, files: [] };
  try {
    const v = JSON.parse(plain.slice(MARK.length)) as { text?: unknown; files?: unknown };
    const files = Array.isArray(v.files) ? v.files.slice(0, MAX_ENCRYPTED_BLOBS).filter(isFileRef) : [];
    return { text: typeof v.text === "string" ? v.text : "", files };
  } catch {
    return { text: "", files: [] };
  }
}

const str = (x: unknown, max = 2048): x is string => typeof x === "string" && x.length <= max;
const dim = (x: unknown) => x === undefined || (Number.isInteger(x) && (x as number) > 0);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isSealed(x: unknown): x is SealedBlob {
  const o = x as Record<string, unknown> | null;
  return (
    typeof o === "object" &&
    o !== null &&
    str(o.id) &&
    UUID.test(o.id) &&
    str(o.key, 64) &&
    str(o.iv, 32) &&
    str(o.sha256, 64)
  );
}

function isFileRef(x: unknown): x is EncryptedFileRef {
  if (!isSealed(x)) return false;
  const o = x as unknown as Record<string, unknown>;
  const t = o.thumbnail as Record<string, unknown> | undefined;
  return (
    str(o.name, 1024) &&
    str(o.mime, 127) &&
    Number.isSafeInteger(o.size) &&
    (o.size as number) >= 0 &&
    dim(o.width) &&
    dim(o.height) &&
    (t === undefined || (isSealed(t) && str(t.mime, 127) && dim(t.width) && dim(t.height)))
  );
}
