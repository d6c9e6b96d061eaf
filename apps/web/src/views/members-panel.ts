/** A group's members: presence, role, remove (owner/admin), leave, and add people. */
import { h, setChildren } from "../dom.ts";
import type { ChatEntry, Store } from "../store.ts";
import type { Actions } from "./actions.ts";
import { userSearch } from "./user-search.ts";

export class MembersPanel {
  readonly el: HTMLElement;
  private readonly list = h("ul", { class: "members" });
  private readonly addBox: HTMLElement;
  private sig = "";

  constructor(
    private readonly store: Store,
    private readonly actions: Actions,
  ) {
    const search = userSearch({
      label: "Add people",
      search: (q) => actions.searchUsers(q),
      actionLabel: () => "Add",
      exclude: () => new Set((store.active?.members ?? []).map((m) => m.id)),
      excludedLabel: "already a member",
      onPick: (u) => {
        search.clear();
        search.input.focus();
        void actions.addMember(u.id);
      },
    });
    this.addBox = search.el;
    this.el = h(
      "section",
      { class: "members-panel", id: "members-panel", "aria-label": "Members", hidden: true },
      h("h3", null, "Members"),
      this.list,
      this.addBox,
    );
  }

  update(e: ChatEntry | undefined): void {
    const s = this.store;
    const open = !!e && e.summary.type === "group" && s.membersOpen;
    this.el.hidden = !open;
    if (!open || !e) return;
    const canManage = s.canManage(e);
    this.addBox.hidden = !canManage;
    const members = e.members ?? [];
    const sig = JSON.stringify([
      e.summary.id,
      e.summary.role,
      members,
      members.map((m) => s.presence.get(m.id)),
    ]);
    if (sig === this.sig) return;
    this.sig = sig;
    const myRole = e.summary.role;
    setChildren(
      this.list,
      e.members === undefined
        ? h("li", { class: "muted" }, "Loading…")
        : members.map((m) => {
            const online = s.presence.get(m.id) === true;
            const isMe = m.id === s.me.id;
            const removable =
              !isMe && canManage && m.role !== "owner" && (m.role !== "admin" || myRole === "owner");
            return h(
              "li",
              { "data-user-id": m.id },
              h("span", {
                class: `dot ${online || isMe ? "online" : "offline"}`,
                role: "img",
                "aria-label": online || isMe ? "online" : "offline",
              }),
              h("span", { class: "name" }, isMe ? `${m.name} (you)` : m.name),
              m.role !== "member" && h("span", { class: "role" }, m.role),
              removable &&
                h(
                  "button",
                  {
                    type: "button",
                    class: "small link danger",
                    "aria-label": `Remove ${m.name}`,
                    onclick: () => void this.actions.removeMember(m.id),
                  },
                  "Remove",
                ),
              isMe &&
                h(
                  "button",
                  {
                    type: "button",
                    class: "small link danger",
                    onclick: () => void this.actions.removeMember(m.id),
                  },
                  "Leave group",
                ),
            );
          }),
    );
  }
}
