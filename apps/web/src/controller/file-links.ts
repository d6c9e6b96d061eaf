/**
 * Short-lived links to attachments' bytes. An `<img>` or a download cannot send the bearer token,
 * so the client asks `GET /attachments/{id}/link` (JSON) and uses the link it answers until
 * shortly before it expires; a link that stopped working (an image's error) is asked for again.
 */
import { linkFresh } from "../logic/uploads.ts";
import type { Attachment } from "../logic/types.ts";
import type { Parts } from "./parts.ts";
import { isEncryptedFile } from "../encryption/file-refs.ts";

type Variant = "original" | "thumbnail";
type Link = { url: string; expires_at: string };

export class FileLinks {
  private readonly links = new Map<string, Link>();
  private readonly asking = new Map<string, Promise<string>>();

  constructor(private readonly p: Parts) {}

  /** A link known to be fresh now, without asking. */
  cached(id: string, variant: Variant): string | undefined {
    if (isEncryptedFile(id)) return undefined;
    const l = this.links.get(`${variant}:${id}`);
    return linkFresh(l) ? l!.url : undefined;
  }

  /** A fresh link (asked for once however many callers want it); `again`: the known one failed. */
  get(id: string, variant: Variant, again = false): Promise<string> {
    // An encrypted chat's file: its "link" is a blob: URL of the bytes decrypted here.
    if (isEncryptedFile(id)) return this.p.encryption.files().then((f) => f.link(id, variant));
    const k = `${variant}:${id}`;
    if (again) this.links.delete(k);
    const known = this.cached(id, variant);
    if (known) return Promise.resolve(known);
    let pending = this.asking.get(k);
    if (!pending) {
      pending = this.p.api
        .call("getAttachmentLink", { params: { attachment_id: id }, query: { variant } })
        .then((l) => {
          this.links.set(k, l);
          return l.url;
        })
        .finally(() => this.asking.delete(k));
      this.asking.set(k, pending);
    }
    return pending;
  }

  /**
   * Saves the file. Links of this origin (the filesystem driver) honour `download`; storage on
   * another origin answers `Content-Disposition: attachment` for every file but safe images, which
   * it shows inline: those open in a new tab, so following the link never leaves the chat.
   */
  async download(file: Attachment): Promise<void> {
    if (isEncryptedFile(file.id)) return (await this.p.encryption.files()).download(file);
    const { id, name } = file;
    try {
      const url = new URL(await this.get(id, "original"), location.origin);
      const a = document.createElement("a");
      a.href = url.toString();
      a.download = name;
      a.rel = "noopener";
      if (url.origin !== location.origin && file.mime.startsWith("image/")) a.target = "_blank";
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch {
      this.p.screen.notify(`Could not download “${name}”: the file is not available.`);
    }
  }
}
