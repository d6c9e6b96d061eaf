/**
 * The conversation header's second line: "online" / "last seen 5 minutes ago" for a private chat
 * (relative, in the browser's locale, kept current by its own timer), "N members, M online" for a group.
 */
import { setText } from "../dom.ts";
import { groupLine, nextTick, presenceLine } from "../logic/last-seen.ts";
import type { ChatEntry, Store } from "../store.ts";

export class PresenceLine {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last: ChatEntry | undefined;

  constructor(
    readonly el: HTMLElement,
    private readonly store: Store,
  ) {}

  update(e: ChatEntry): void {
    this.last = e;
    clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.store;
    const c = e.summary;
    if (c.type === "group") {
      const online = (e.members ?? []).filter(
        (m) => m.id === s.me.id || s.presence.get(m.id) === true,
      ).length;
      setText(this.el, groupLine(c.members_count, e.members ? online : 0));
      return;
    }
    if (!c.peer) {
      setText(this.el, "waiting for someone to join");
      return;
    }
    const online = s.presence.get(c.peer.id);
    const seen = s.lastSeen.get(c.peer.id);
    setText(this.el, presenceLine(online, seen, Date.now(), navigator.language));
    if (online === false && seen && this.el.isConnected) {
      // "last seen" ages while the chat stays open: redrawn on its own, nothing else need change.
      this.timer = setTimeout(() => {
        if (this.last === e && this.store.activeChatId === c.id) this.update(e);
      }, nextTick(seen));
    }
  }
}
