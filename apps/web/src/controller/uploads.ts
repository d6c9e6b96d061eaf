/**
 * Files I add to the open chat (attach button, drop, paste): each is asked for (POST
 * /attachments), its bytes PUT with XMLHttpRequest to where the server said (the node itself, or
 * object storage on another origin) so the tray shows progress, then completed. A message written
 * while files are still on their way waits for them and goes once every one is ready.
 */
import { ApiError } from "@chat/client/core";
import type { EncryptedFileRef } from "@chat/client";
import type { ErrorBody } from "@chat/protocol";
import { declaredType, refusalText, sendReadiness, type UploadItem } from "../logic/uploads.ts";
import type { Parts } from "./parts.ts";

/** An upload that sends nothing for this long is given up (the person may retry it). */
const STALL_MS = 60_000;

export class Uploads {
  private readonly requests = new Map<string, XMLHttpRequest>();
  private counter = 0;

  constructor(private readonly p: Parts) {}

  of(chatId: number): UploadItem[] {
    return this.p.store.uploads.get(chatId) ?? [];
  }

  add(chatId: number, files: readonly File[]): void {
    if (files.length === 0) return;
    const list = [...this.of(chatId)];
    for (const file of files) {
      const item: UploadItem = { key: `u${++this.counter}`, chatId, file, state: "asking", sent: 0 };
      list.push(item);
      void this.run(item);
    }
    this.p.store.uploads.set(chatId, list);
    this.p.screen.render();
  }

  /** Stops a file on its way (or drops a finished or failed one) and takes it out of the tray. */
  cancel(key: string): void {
    const item = this.find(key);
    if (!item) return;
    item.state = "cancelled";
    this.requests.get(key)?.abort();
    this.requests.delete(key);
    this.drop(item);
    this.changed(item.chatId);
  }

  retry(key: string): void {
    const item = this.find(key);
    if (!item || item.state !== "failed") return;
    // A new upload from the start: the old one, never attached, is swept by the server.
    Object.assign(item, { state: "asking", sent: 0, id: undefined, error: undefined, retryable: undefined });
    this.p.screen.render();
    void this.run(item);
  }

  /** The ready files' ids, in the tray's order, and empties the tray (they go with a message). */
  take(chatId: number): {
    ids: string[];
    files: { name: string; size: number }[];
    refs: EncryptedFileRef[];
  } {
    const ready = this.of(chatId).filter((i) => i.state === "ready" && i.id);
    this.p.store.uploads.delete(chatId);
    return {
      ids: ready.map((i) => i.id!),
      files: ready.map((i) => ({ name: i.file.name, size: i.file.size })),
      refs: ready.flatMap((i) => (i.ref ? [i.ref] : [])),
    };
  }

  /** Every file of every chat stops (signing out). */
  stopAll(): void {
    for (const x of this.requests.values()) x.abort();
    this.requests.clear();
  }

  private find(key: string): UploadItem | undefined {
    for (const list of this.p.store.uploads.values()) {
      const it = list.find((i) => i.key === key);
      if (it) return it;
    }
    return undefined;
  }

  private drop(item: UploadItem): void {
    const rest = this.of(item.chatId).filter((i) => i !== item);
    if (rest.length) this.p.store.uploads.set(item.chatId, rest);
    else this.p.store.uploads.delete(item.chatId);
  }

  private async run(item: UploadItem): Promise<void> {
    const live = () => !this.p.stopped && item.state !== "cancelled";
    try {
      if (item.file.size === 0)
        throw new ApiError(422, { code: "attachment_rejected", message: "", details: { reason: "empty" } });
      if (this.p.store.chats.get(item.chatId)?.summary.encrypted) {
        // Encrypted here, thumbnail made here: the server gets opaque bytes, no name, no type.
        item.state = "uploading";
        this.p.screen.render();
        const ref = await (await this.p.encryption.files()).seal(item.file, item.file.name || "file");
        if (!live()) return;
        Object.assign(item, { id: ref.id, ref, state: "ready" });
        return this.changed(item.chatId);
      }
      const asked = await this.p.api.call("createUpload", {
        body: { name: item.file.name || "file", size: item.file.size, mime: declaredType(item.file) },
      });
      if (!live()) return;
      item.id = asked.id;
      item.state = "uploading";
      this.p.screen.render();
      await this.put(item, asked.upload);
      if (!live()) return;
      item.state = "checking";
      this.p.screen.render();
      await this.p.api.call("completeUpload", { params: { attachment_id: asked.id } });
      if (!live()) return;
      item.state = "ready";
    } catch (err) {
      if (!live()) return;
      const r =
        err instanceof ApiError
          ? { status: err.status, code: err.code, details: err.body.details as Record<string, unknown> }
          : {};
      const { text, retryable } = refusalText(item.file.name, r);
      Object.assign(item, { state: "failed", error: text, retryable });
    }
    this.changed(item.chatId);
  }

  /** PUTs the bytes with the headers the server named; rejects with the storage's refusal. */
  private put(item: UploadItem, target: { method: "PUT"; url: string; headers: Record<string, string> }) {
    return new Promise<void>((resolve, reject) => {
      const x = new XMLHttpRequest();
      this.requests.set(item.key, x);
      // Relative (the node's own link) or absolute (object storage): resolved, never built from input.
      x.open(target.method, new URL(target.url, location.origin).toString());
      for (const [k, v] of Object.entries(target.headers)) x.setRequestHeader(k, v);
      // Not a total timeout (a big file on a slow link may take long): a limit on silence.
      let stalled = false;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const watch = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          stalled = true;
          x.abort();
        }, STALL_MS);
      };
      watch();
      x.upload.onprogress = (ev) => {
        item.sent = ev.loaded;
        watch();
        this.p.screen.render();
      };
      const done = (err?: unknown) => {
        clearTimeout(watchdog);
        this.requests.delete(item.key);
        if (err === undefined) resolve();
        else reject(err);
      };
      x.onload = () => {
        if (x.status >= 200 && x.status < 300) return done();
        let body: ErrorBody = { code: x.status === 413 ? "payload_too_large" : "unavailable", message: "" };
        try {
          body = (JSON.parse(x.responseText) as { error?: ErrorBody }).error ?? body;
        } catch {
          // Object storage answers XML: the status says enough (a new upload link may do).
        }
        done(new ApiError(x.status, body));
      };
      x.onerror = () => done(new Error("network"));
      x.onabort = () => done(new Error(stalled ? "stalled" : "cancelled"));
      x.send(item.file);
    });
  }

  /** Files changed in a chat: a message waiting for them goes now, or still waits. */
  private changed(chatId: number): void {
    const waiting = this.p.store.waitingSend.get(chatId);
    if (waiting !== undefined) {
      const ready = sendReadiness(this.of(chatId));
      if (ready === "ready" || ready === "none") {
        this.p.store.waitingSend.delete(chatId);
        this.p.sendNow(chatId, waiting);
      }
    }
    this.p.screen.render();
  }
}
