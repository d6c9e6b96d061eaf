/**
 * The encryption half (encryption.ts, packages/client's MLS half and ts-mls) is loaded on first
 * use, in its own chunk: the app's first paint does not wait for it. First use is opening or
 * creating an encrypted chat, or registering this browser's device, which happens after the first
 * paint when the page is idle (so others can add this device to their chats at once).
 */
import type { Parts } from "../controller/parts.ts";
import type { ChatEntry } from "../store.ts";
import type { Message } from "../logic/types.ts";
import type { EncryptedFileRef } from "@chat/client";
import type { EncryptedFiles } from "./encrypted-files.ts";
import type { Encryption } from "./encryption.ts";

export class LazyEncryption {
  private loading: Promise<Encryption> | undefined;

  constructor(private readonly p: Parts) {}

  /** The loaded encryption half (the chunk is fetched once; a failed fetch is tried again). */
  load(): Promise<Encryption> {
    this.loading ??= import("./encryption.ts").then((m) => new m.Encryption(this.p));
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }

  /**
   * After the first paint, when the page is idle: registers this browser's MLS device (once per
   * profile) and keeps its KeyPackages stocked.
   */
  registerWhenIdle(): void {
    const go = () => {
      if (this.p.stopped) return;
      void this.load()
        .then((x) => x.ready())
        .catch(() => undefined); // tried again on first use of an encrypted chat
    };
    const idle = (globalThis as { requestIdleCallback?: (f: () => void, o?: object) => void })
      .requestIdleCallback;
    requestAnimationFrame(() => (idle ? idle(go, { timeout: 3000 }) : setTimeout(go, 500)));
  }

  prepare(e: ChatEntry): void {
    if (!e.summary.encrypted) return;
    void this.load().then((x) => x.prepare(e));
  }

  async created(chatId: number, memberIds: number[]): Promise<void> {
    return (await this.load()).created(chatId, memberIds);
  }

  /** Encrypts and sends with the outbox's client_id (the same one on every retry). */
  async send(e: ChatEntry, text: string, clientId: string, files: EncryptedFileRef[] = []): Promise<Message> {
    return (await this.load()).send(e, text, clientId, files);
  }

  /** Files of encrypted chats: sealing before upload, decrypting to blob: URLs. */
  async files(): Promise<EncryptedFiles> {
    return (await this.load()).files;
  }

  async edit(e: ChatEntry, messageId: number, text: string): Promise<void> {
    return (await this.load()).edit(e, messageId, text);
  }

  async safetyNumbers(e: ChatEntry): Promise<void> {
    return (await this.load()).safetyNumbers(e);
  }

  async acceptKeys(userId: number): Promise<void> {
    return (await this.load()).acceptKeys(userId);
  }
}
