/**
 * Reactions: toggling mine (one emoji on one message) and showing everyone's as they change —
 * `message:reactions` reaches every device of every member on every node with the whole list;
 * history pages and sync bring it with the message.
 */
import type { ServerEventPayload } from "@chat/protocol";
import { errorText } from "./error-text.ts";
import type { Parts } from "./parts.ts";

type Changed = ServerEventPayload<"message:reactions">;

export class Reactions {
  constructor(private readonly p: Parts) {}

  /** Answers its unsubscribe. */
  listen(): () => void {
    return this.p.socket.on("message:reactions", (r) => this.apply(r));
  }

  async toggle(chatId: number, messageId: number, emoji: string): Promise<void> {
    try {
      this.apply(await this.p.socket.react(chatId, messageId, emoji));
    } catch (err) {
      this.p.screen.notify(`Could not react: ${errorText(err)}`);
    }
  }

  /** The message's reactions as they are now; a message this page has not loaded waits for its page. */
  private apply(r: Changed): void {
    const m = this.p.store.chats
      .get(r.chat_id)
      ?.timeline.messages()
      .find((x) => x.id === r.message_id);
    if (!m) return;
    if (r.reactions.length > 0) m.reactions = r.reactions;
    else delete m.reactions;
    this.p.screen.render();
  }
}
