/**
 * Read receipts: my read cursor moves to the newest message shown in the open chat while the page
 * is visible; others' cursors and the "read by everyone" mark come from the socket.
 */
import type { SyncedChat } from "@chat/client/core";
import type { ServerEventPayload } from "@chat/protocol";
import { applyMyCursor } from "../logic/chat-list.ts";
import type { Parts } from "./parts.ts";

export class Receipts {
  constructor(private readonly p: Parts) {}

  isReading(chatId: number): boolean {
    return this.p.store.activeChatId === chatId && document.visibilityState === "visible";
  }

  /** Moves my read cursor to the newest message shown in the open chat (once per seq). */
  markRead(): void {
    const e = this.p.store.active;
    if (!e || !this.isReading(e.summary.id) || !this.p.socket.socket.connected) return;
    const seq = e.timeline.newestSeq;
    if (seq <= e.summary.last_read_seq || seq <= e.readRequested) return;
    e.readRequested = seq;
    e.summary.unread_count = 0;
    this.p.socket.read(e.summary.id, seq).then(
      (ack) => this.cursor(ack.chat_id, this.p.store.me.id, ack.last_read_seq),
      () => {
        e.readRequested = 0; // asked again on the next message, focus or reconnect
      },
    );
  }

  cursor(chatId: number, userId: number, seq: number): void {
    const s = this.p.store;
    const e = s.chats.get(chatId);
    if (!e) return;
    e.cursors.set(userId, seq);
    if (userId === s.me.id && applyMyCursor(e.summary, seq) === "unknown")
      void this.p.chatList.refresh(chatId);
    this.p.screen.render();
  }

  fullyRead(r: ServerEventPayload<"receipt:fully_read">): void {
    const e = this.p.store.chats.get(r.chat_id);
    if (e && r.up_to_seq > e.fullyReadSeq) {
      e.fullyReadSeq = r.up_to_seq;
      this.p.screen.render();
    }
  }

  /** A chat caught up after a gap or reconnect: the cursors and the mark as the server has them. */
  synced(c: SyncedChat): void {
    const e = this.p.store.chats.get(c.chat_id);
    if (!e) return;
    for (const r of c.read_cursors) this.cursor(c.chat_id, r.user_id, r.last_read_seq);
    e.fullyReadSeq = Math.max(e.fullyReadSeq, c.fully_read_seq);
    this.p.screen.render();
  }
}
