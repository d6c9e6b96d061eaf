/**
 * My messages on their way: each is kept in the outbox (localStorage) from the moment it is
 * written until the server has stored it, shown as pending, queued (offline) or failed, and sent
 * again with the same client_id however many times it takes — the server stores it once.
 */
import { AckError, uuid, type ChatSocket } from "@chat/client/core";
import type { EncryptedFileRef } from "@chat/client";
import type { Outbox } from "./logic/outbox.ts";
import type { PendingSend } from "./logic/timeline.ts";
import type { Message } from "./logic/types.ts";
import type { ChatEntry, Store } from "./store.ts";

export class Sends {
  constructor(
    private readonly store: Store,
    private readonly socket: ChatSocket,
    private readonly outbox: Outbox,
    private readonly ui: { render(): void; notify(message: string): void },
    /** An encrypted chat's send: encrypted (MLS) with the outbox's client_id, then sent. */
    private readonly encrypted: (
      e: ChatEntry,
      text: string,
      clientId: string,
      files: EncryptedFileRef[],
    ) => Promise<Message>,
  ) {}

  /** `files`: uploaded and completed files the message carries (their ids, and names to show). */
  send(
    e: ChatEntry,
    text: string,
    files?: { ids: string[]; files: { name: string; size: number }[]; refs?: EncryptedFileRef[] },
    replyTo?: number,
  ): void {
    const p = this.outbox.add({
      chatId: e.summary.id,
      clientId: uuid(),
      text,
      createdAt: new Date().toISOString(),
      state: "pending",
      ...(files?.ids.length ? { attachmentIds: files.ids, files: files.files } : {}),
      // An encrypted chat's files: their keys go inside the MLS message (kept with the unsent text).
      ...(files?.refs?.length ? { encryptedFiles: files.refs } : {}),
      ...(replyTo !== undefined ? { replyTo } : {}),
    });
    e.timeline.addPending(p);
    this.ui.render();
    this.deliver(p.clientId);
  }

  /** What is still unsent in a chat (e.g. kept from before a reload). */
  unsent(chatId: number): PendingSend[] {
    return this.outbox.all().filter((p) => p.chatId === chatId);
  }

  /** One of my messages reached the page (from this tab or another): nothing left to send. */
  stored(m: Message): void {
    this.outbox.remove(m.client_id);
  }

  retry(clientId: string): void {
    if (!this.outbox.update(clientId, { state: "pending" })) return;
    this.ui.render();
    this.deliver(clientId);
  }

  retryFailed(): void {
    for (const p of this.outbox.failed()) this.retry(p.clientId);
  }

  discard(clientId: string): void {
    const p = this.outbox.get(clientId);
    if (!p) return;
    this.outbox.remove(clientId);
    this.store.chats.get(p.chatId)?.timeline.removePending(clientId);
    this.ui.render();
  }

  /** ChatSocket retries timeouts and retryable errors itself until its deadline. */
  private deliver(clientId: string): void {
    const p = this.outbox.get(clientId);
    if (!p) return;
    const e = this.store.chats.get(p.chatId);
    const sending = e?.summary.encrypted
      ? this.encrypted(e, p.text, p.clientId, p.encryptedFiles ?? [])
      : this.socket
          .send(p.chatId, p.text, p.clientId, { attachmentIds: p.attachmentIds, replyTo: p.replyTo })
          .then((o) => o.message);
    sending.then(
      (message) => {
        this.outbox.remove(clientId);
        // Shown at once even if ChatSocket holds the broadcast back behind a missing seq.
        this.store.chats.get(p.chatId)?.timeline.upsert([message]);
        this.ui.render();
      },
      (err: unknown) => {
        if (err instanceof AckError && (err.code === "not_a_member" || err.code === "chat_not_found")) {
          // The chat is gone for me: this can never be sent, so it is not kept.
          this.discard(clientId);
          this.ui.notify(`Not sent: ${err.error.message}`);
          return;
        }
        const error =
          err instanceof AckError
            ? err.error.message
            : this.socket.socket.connected
              ? "no answer from the server"
              : "offline";
        this.outbox.update(clientId, { state: "failed", error });
        this.ui.render();
      },
    );
  }
}
