/**
 * Opening a message in its context (a search result, a quote): the chat opens, the message is
 * loaded with a window around it (`around_seq`) if it is not loaded yet, then scrolled to and
 * highlighted by the view. The hole such a window leaves before the newest page fills as the
 * person scrolls down into it (`after_seq`).
 */
import { errorText } from "./error-text.ts";
import type { Parts } from "./parts.ts";

const WINDOW = 40;

export class MessageContext {
  private readonly filling = new Set<number>();

  constructor(private readonly p: Parts) {}

  async open(chatId: number, seq: number): Promise<void> {
    const s = this.p.store;
    const e = s.chats.get(chatId);
    if (!e) return this.p.screen.notify("That chat is not in your list any more");
    if (s.activeChatId !== chatId) this.p.activeChat.open(chatId);
    s.jumpTo = { chatId, seq };
    if (!e.timeline.get(seq)) {
      try {
        const page = await this.p.api.call("listMessages", {
          params: { chat_id: chatId },
          query: { around_seq: seq, limit: WINDOW },
        });
        e.timeline.upsert(page.messages);
      } catch (err) {
        if (s.jumpTo?.seq === seq) s.jumpTo = undefined;
        this.p.screen.notify(`Could not load that message: ${errorText(err)}`);
      }
    }
    this.p.screen.render();
  }

  /** Loads the messages after `afterSeq` into the hole that follows it. */
  async fillAfter(chatId: number, afterSeq: number): Promise<void> {
    const e = this.p.store.chats.get(chatId);
    if (!e || this.filling.has(chatId)) return;
    this.filling.add(chatId);
    try {
      const page = await this.p.api.call("listMessages", {
        params: { chat_id: chatId },
        query: { after_seq: afterSeq, limit: WINDOW },
      });
      e.timeline.upsert(page.messages);
    } catch (err) {
      this.p.screen.notify(`Could not load newer messages: ${errorText(err)}`);
    } finally {
      this.filling.delete(chatId);
      this.p.screen.render();
    }
  }
}
