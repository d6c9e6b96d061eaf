/** The members of a chat: loaded when it is opened (or its panel is), kept current by chat:updated, added and removed by managers. */
import type { ServerEventPayload } from "@chat/protocol";
import type { Member } from "../logic/types.ts";
import type { ChatEntry } from "../store.ts";
import { errorText } from "./error-text.ts";
import type { Parts } from "./parts.ts";

export class Members {
  constructor(private readonly p: Parts) {}

  async load(e: ChatEntry): Promise<void> {
    try {
      const out = await this.p.api.call("listMembers", { params: { chat_id: e.summary.id } });
      this.set(e, out.members);
    } catch {
      // Stays stale: loaded again on the next open or reconnect.
    }
  }

  async add(userId: number): Promise<void> {
    const e = this.p.store.active;
    if (!e) return;
    try {
      await this.p.api.call("addMember", { params: { chat_id: e.summary.id }, body: { user_id: userId } });
      await this.load(e);
    } catch (err) {
      this.p.screen.notify(`Could not add: ${errorText(err)}`);
    }
  }

  async remove(userId: number): Promise<void> {
    const e = this.p.store.active;
    if (!e) return;
    try {
      await this.p.api.call("removeMember", { params: { chat_id: e.summary.id, user_id: userId } });
      if (userId === this.p.store.me.id) this.p.chatList.drop(e.summary.id, false);
      else await this.load(e);
    } catch (err) {
      this.p.screen.notify(`Could not remove: ${errorText(err)}`);
    }
  }

  togglePanel(): void {
    const s = this.p.store;
    s.membersOpen = !s.membersOpen;
    const e = s.active;
    if (e && s.membersOpen && (e.members === undefined || e.membersStale)) void this.load(e);
    this.p.screen.render();
  }

  /**
   * Someone joined, left or got a new role (a deleted owner's heir): the count now, the list now if
   * it is on screen, else on the next open.
   */
  chatUpdated(u: ServerEventPayload<"chat:updated">): void {
    const e = this.p.store.chats.get(u.chat.id);
    if (!e) return;
    if (u.change !== "role_changed") e.summary.members_count += u.change === "member_added" ? 1 : -1;
    if (e.members !== undefined) {
      if (u.chat.id === this.p.store.activeChatId) void this.load(e);
      else e.membersStale = true;
    }
    void this.p.chatList.refresh(u.chat.id);
  }

  /** After a reconnect: every loaded list may have changed unseen. */
  markAllStale(): void {
    for (const e of this.p.store.chats.values()) e.membersStale = e.members !== undefined;
  }

  private set(e: ChatEntry, members: Member[]) {
    const s = this.p.store;
    e.members = members;
    e.membersStale = false;
    e.cursors.keepOnly(members.map((m) => m.id));
    for (const m of members) {
      s.names.set(m.id, m.name);
      e.cursors.set(m.id, m.last_read_seq);
    }
    // Everyone else's cursor is past my message: it is read by all (the server's watermark
    // says the same; this spares a round trip when a chat is opened).
    const min = e.cursors.minOthers(s.me.id);
    if (min !== undefined) e.fullyReadSeq = Math.max(e.fullyReadSeq, min);
    void this.p.presence.load(members.map((m) => m.id));
    this.p.screen.render();
  }
}
