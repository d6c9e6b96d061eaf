/**
 * What I do to messages in the open chat: send (through Sends and its outbox, with the chat's
 * uploaded files; a message whose files are still uploading waits for them), edit, delete.
 */
import { sendReadiness } from "../logic/uploads.ts";
import { errorText } from "./error-text.ts";
import type { Parts } from "./parts.ts";

export class MessageActions {
  constructor(private readonly p: Parts) {}

  send(text: string): boolean {
    const e = this.p.store.active;
    if (!e) return false;
    const chatId = e.summary.id;
    const files = sendReadiness(this.p.uploads.of(chatId));
    if (files === "none" && !text.trim()) return false;
    if (files === "blocked") {
      this.p.screen.notify("A file could not be uploaded: retry it or remove it, then send.");
      return false;
    }
    this.p.typingRelay.stop(chatId);
    if (files === "wait") {
      const before = this.p.store.waitingSend.get(chatId);
      this.p.store.waitingSend.set(chatId, before?.trim() ? `${before}\n${text}` : text);
      this.p.screen.render();
      return true;
    }
    this.sendNow(chatId, text);
    return true;
  }

  sendNow(chatId: number, text: string): void {
    const e = this.p.store.chats.get(chatId);
    if (!e) return;
    const files = this.p.uploads.take(chatId);
    if (files.ids.length === 0 && !text.trim()) return this.p.screen.render();
    if (chatId === this.p.store.activeChatId) this.p.store.scrollToEnd = true;
    const reply = this.p.store.replies.get(chatId);
    this.p.store.replies.delete(chatId);
    this.p.sends.send(e, text, files, reply?.id);
  }

  async edit(messageId: number, text: string): Promise<boolean> {
    const e = this.p.store.active;
    if (!e) return false;
    try {
      if (e.summary.encrypted) {
        await this.p.encryption.edit(e, messageId, text);
        return true;
      }
      const m = await this.p.socket.request("message:edit", {
        chat_id: e.summary.id,
        message_id: messageId,
        text,
      });
      this.p.incoming.changed(m);
      return true;
    } catch (err) {
      this.p.screen.notify(`Could not edit: ${errorText(err)}`);
      return false;
    }
  }

  async remove(messageId: number): Promise<void> {
    const e = this.p.store.active;
    if (!e) return;
    try {
      const m = await this.p.socket.request("message:delete", {
        chat_id: e.summary.id,
        message_id: messageId,
      });
      this.p.incoming.changed(m);
    } catch (err) {
      this.p.screen.notify(`Could not delete: ${errorText(err)}`);
    }
  }
}
