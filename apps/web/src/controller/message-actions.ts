/** What I do to messages in the open chat: send (through Sends and its outbox), edit, delete. */
import { errorText } from "./error-text.ts";
import type { Parts } from "./parts.ts";

export class MessageActions {
  constructor(private readonly p: Parts) {}

  send(text: string): void {
    const e = this.p.store.active;
    if (!e) return;
    this.p.typingRelay.stop(e.summary.id);
    this.p.store.scrollToEnd = true;
    if (e.summary.encrypted)
      this.p.encryption
        .send(e, text)
        .catch((err: unknown) => this.p.screen.notify(`Not sent: ${errorText(err)}`));
    else this.p.sends.send(e, text);
  }

  async edit(messageId: number, text: string): Promise<boolean> {
    const e = this.p.store.active;
    if (!e) return false;
    try {
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
