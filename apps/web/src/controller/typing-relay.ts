/** "Is typing": mine sent to the server per chat (started and stopped by TypingSender), others' kept in the store. */
import type { ServerEventPayload } from "@chat/protocol";
import { TypingSender } from "../logic/typing.ts";
import type { Parts } from "./parts.ts";

export class TypingRelay {
  private readonly senders = new Map<number, TypingSender>();

  constructor(private readonly p: Parts) {}

  /** A key pressed in the composer of the open chat. */
  input(): void {
    const id = this.p.store.activeChatId;
    if (id === undefined) return;
    let t = this.senders.get(id);
    if (!t) {
      t = new TypingSender((is_typing) => {
        if (this.p.socket.socket.connected)
          this.p.socket.request("typing", { chat_id: id, is_typing }).catch(() => undefined);
      });
      this.senders.set(id, t);
    }
    t.input();
  }

  stop(chatId: number | undefined): void {
    if (chatId !== undefined) this.senders.get(chatId)?.stop();
  }

  stopAll(): void {
    for (const t of this.senders.values()) t.stop();
  }

  heard(t: ServerEventPayload<"typing">): void {
    const s = this.p.store;
    if (t.user_id === s.me.id) return;
    s.typing.set(t.chat_id, t.user_id, t.is_typing);
    this.p.screen.render();
  }
}
