/** Finding people and starting chats with them: a private chat with one, a group with several. */
import type { PublicUser } from "../logic/types.ts";
import { errorText } from "./error-text.ts";
import type { Parts } from "./parts.ts";

export class NewChats {
  constructor(private readonly p: Parts) {}

  /** Everyone matching but me; their names are remembered for the member list. */
  async searchUsers(query: string): Promise<PublicUser[]> {
    const s = this.p.store;
    const out = await this.p.api.call("searchUsers", { query: { query, limit: 20 } });
    for (const u of out.users) if (!s.names.has(u.id)) s.names.set(u.id, u.name);
    return out.users.filter((u) => u.id !== s.me.id);
  }

  async startPrivate(userId: number, encrypted = false): Promise<void> {
    try {
      const out = await this.p.api.call("createChat", {
        body: { chat_type: "private", member_ids: [userId], ...(encrypted && { encrypted }) },
      });
      this.p.chatList.add(out.chat);
      if (out.chat.peer) void this.p.presence.load([out.chat.peer.id]);
      this.p.store.panel = "none";
      this.p.activeChat.open(out.chat.id);
      if (encrypted) await this.p.encryption.created(out.chat.id, [userId]);
    } catch (err) {
      this.p.screen.notify(`Could not start the chat: ${errorText(err)}`);
    }
  }

  async createGroup(name: string, memberIds: number[], encrypted = false): Promise<boolean> {
    try {
      const out = await this.p.api.call("createChat", {
        body: { chat_type: "group", name, member_ids: memberIds, ...(encrypted && { encrypted }) },
      });
      this.p.chatList.add(out.chat);
      this.p.store.panel = "none";
      this.p.activeChat.open(out.chat.id);
      if (encrypted) await this.p.encryption.created(out.chat.id, memberIds);
      return true;
    } catch (err) {
      this.p.screen.notify(`Could not create the group: ${errorText(err)}`);
      return false;
    }
  }
}
