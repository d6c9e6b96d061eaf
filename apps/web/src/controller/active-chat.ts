/** The open (active) chat: opening and closing it (with the address bar), its newest page of messages, and older pages on scroll. */
import { ApiError } from "@chat/client/core";
import type { ChatEntry } from "../store.ts";
import type { Parts } from "./parts.ts";
import { showChatInPath } from "./routing.ts";

const PAGE = 40;

export class ActiveChat {
  constructor(private readonly p: Parts) {}

  /** `push`: add a history entry (not when following the address bar). */
  open(chatId: number | undefined, push = true): void {
    const s = this.p.store;
    const changed = s.activeChatId !== chatId;
    if (changed) {
      this.p.typingRelay.stop(s.activeChatId);
      s.activeChatId = chatId;
      s.membersOpen = false;
      s.panel = "none";
    }
    if (push) showChatInPath(chatId);
    const e = s.active;
    if (e && changed) e.firstUnread = e.summary.unread_count > 0 ? e.summary.last_read_seq + 1 : undefined;
    if (e) {
      if (!e.timeline.loaded) void this.loadNewest(e); // again if an earlier try failed
      if (e.members === undefined || e.membersStale) void this.p.members.load(e);
      this.p.receipts.markRead();
    }
    this.p.screen.render();
    if (e && changed) queueMicrotask(() => this.p.screen.focusComposer());
  }

  loadOlder(): void {
    const e = this.p.store.active;
    if (!e || e.loadingOlder || !e.timeline.hasOlder || !e.timeline.loaded) return;
    const before = e.timeline.oldestSeq;
    e.loadingOlder = true;
    this.p.screen.render();
    this.p.api
      .call("listMessages", { params: { chat_id: e.summary.id }, query: { before_seq: before, limit: PAGE } })
      .then(
        (page) => {
          e.timeline.upsert(page.messages);
        },
        () => this.p.screen.notify("Could not load older messages"),
      )
      .finally(() => {
        e.loadingOlder = false;
        this.p.screen.render();
      });
  }

  private async loadNewest(e: ChatEntry) {
    const id = e.summary.id;
    try {
      const page = await this.p.api.call("listMessages", { params: { chat_id: id }, query: { limit: PAGE } });
      e.timeline.upsert(page.messages);
      e.timeline.loaded = true;
      this.p.receipts.markRead();
      this.p.screen.render();
    } catch (err) {
      if (!(err instanceof ApiError))
        this.p.screen.notify("Could not load messages; trying again when reconnected");
    }
  }
}
