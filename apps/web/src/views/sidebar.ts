/** The left column: who I am, new chat / new group, and my chats by latest activity. */
import { isMuted } from "../logic/mentions.ts";
import { h, reconcile, setAttr, setChildren, setText } from "../dom.ts";
import { chatTitle, previewText, sortChats } from "../logic/chat-list.ts";
import { lockIcon, setLockedText } from "./lock-icon.ts";
import { formatTime, initials } from "../logic/format.ts";
import { typingLabel } from "../logic/typing.ts";
import type { PublicUser } from "../logic/types.ts";
import type { ChatEntry, Store } from "../store.ts";
import type { Actions } from "./actions.ts";
import { userSearch } from "./user-search.ts";
import { SearchView } from "./search-view.ts";

interface ItemParts {
  link: HTMLAnchorElement;
  avatar: HTMLElement;
  dot: HTMLElement;
  title: HTMLElement;
  /** 🔕 when I muted the chat. */
  muted: HTMLElement;
  time: HTMLTimeElement;
  preview: HTMLElement;
  badge: HTMLElement;
}

const parts = new WeakMap<HTMLElement, ItemParts>();

export class Sidebar {
  readonly el: HTMLElement;
  private readonly list = h("ul", { class: "chat-list", "aria-label": "Your chats" });
  private readonly empty = h("p", { class: "muted empty" }, "No chats yet. Start one with New chat.");
  private readonly meName = h("span", { class: "me-name" });
  private readonly newChatBtn: HTMLButtonElement;
  private readonly newGroupBtn: HTMLButtonElement;
  private readonly newChatPanel: HTMLElement;
  private readonly newGroupPanel: HTMLElement;
  private readonly picked = new Map<number, PublicUser>();
  private readonly pickedList = h("ul", { class: "chips", "aria-label": "People in the new group" });
  private readonly groupName = h("input", { id: "group-name", maxlength: 100, autocomplete: "off" });
  private readonly groupError = h("p", { class: "form-error", role: "alert" });
  private readonly chatE2e = e2eBox("new-chat-e2e");
  private readonly groupE2e = e2eBox("new-group-e2e");
  private readonly search: SearchView;

  constructor(
    private readonly store: Store,
    private readonly actions: Actions,
  ) {
    this.newChatBtn = h(
      "button",
      { type: "button", "aria-expanded": "false", onclick: () => this.toggle("new-chat") },
      "New chat",
    );
    this.newGroupBtn = h(
      "button",
      { type: "button", "aria-expanded": "false", onclick: () => this.toggle("new-group") },
      "New group",
    );
    const chatSearch = userSearch({
      label: "Find people",
      search: (q) => actions.searchUsers(q),
      actionLabel: () => "Message",
      onPick: (u) => {
        chatSearch.clear();
        void actions.startPrivate(u.id, this.chatE2e.input.checked);
      },
    });
    this.newChatPanel = h(
      "section",
      { class: "panel", "aria-label": "New private chat", hidden: true },
      this.chatE2e.el,
      chatSearch.el,
    );
    const groupSearch = userSearch({
      label: "Add people",
      search: (q) => actions.searchUsers(q),
      actionLabel: () => "Add",
      exclude: () => new Set(this.picked.keys()),
      onPick: (u) => {
        this.picked.set(u.id, u);
        groupSearch.clear();
        groupSearch.input.focus();
        this.renderPicked();
      },
    });
    const groupForm = h(
      "form",
      { class: "group-form" },
      h("div", { class: "field" }, h("label", { for: "group-name" }, "Group name"), this.groupName),
      groupSearch.el,
      this.pickedList,
      this.groupE2e.el,
      this.groupError,
      h("button", { type: "submit", class: "primary" }, "Create group"),
    );
    groupForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const name = this.groupName.value.trim();
      if (!name) {
        setText(this.groupError, "Give the group a name");
        this.groupName.focus();
        return;
      }
      setText(this.groupError, "");
      void actions.createGroup(name, [...this.picked.keys()], this.groupE2e.input.checked).then((ok) => {
        if (!ok) return;
        this.picked.clear();
        this.groupName.value = "";
        this.renderPicked();
      });
    });
    this.newGroupPanel = h("section", { class: "panel", "aria-label": "New group", hidden: true }, groupForm);
    this.search = new SearchView(store, actions);
    this.el = h(
      "aside",
      { class: "sidebar", "aria-label": "Chats" },
      h(
        "header",
        { class: "sidebar-head" },
        h("h1", null, "Chats"),
        h(
          "div",
          { class: "me" },
          this.meName,
          h(
            "button",
            { type: "button", class: "link", onclick: () => actions.showPage("devices") },
            "Devices",
          ),
          h(
            "button",
            { type: "button", class: "link", onclick: () => actions.showPage("settings") },
            "Settings",
          ),
          h("button", { type: "button", class: "link", onclick: () => actions.logout() }, "Log out"),
        ),
      ),
      h("div", { class: "sidebar-actions" }, this.newChatBtn, this.newGroupBtn),
      this.newChatPanel,
      this.newGroupPanel,
      this.search.el,
      h("nav", { "aria-label": "Chat list" }, this.list, this.empty),
    );
  }

  private toggle(panel: "new-chat" | "new-group") {
    this.actions.setPanel(this.store.panel === panel ? "none" : panel);
    const target = this.store.panel === "new-chat" ? this.newChatPanel : this.newGroupPanel;
    if (this.store.panel !== "none") target.querySelector("input")?.focus();
  }

  private renderPicked() {
    setChildren(
      this.pickedList,
      [...this.picked.values()].map((u) =>
        h(
          "li",
          null,
          h("span", null, u.name),
          h(
            "button",
            {
              type: "button",
              class: "chip-remove",
              "aria-label": `Remove ${u.name}`,
              onclick: () => {
                this.picked.delete(u.id);
                this.renderPicked();
              },
            },
            "×",
          ),
        ),
      ),
    );
  }

  update(): void {
    const s = this.store;
    setText(this.meName, s.me.name);
    this.meName.title = s.me.email;
    this.newChatPanel.hidden = s.panel !== "new-chat";
    this.newGroupPanel.hidden = s.panel !== "new-group";
    this.newChatBtn.setAttribute("aria-expanded", String(s.panel === "new-chat"));
    this.newGroupBtn.setAttribute("aria-expanded", String(s.panel === "new-group"));
    this.search.update();
    const chats = sortChats([...s.chats.values()].map((e) => ({ ...e.summary, entry: e })));
    this.empty.hidden = !s.chatsLoaded || chats.length > 0;
    reconcile(
      this.list,
      chats.map((c) => c.entry),
      (e) => String(e.summary.id),
      (e) => this.createItem(e),
      (el, e) => this.updateItem(el, e),
    );
  }

  private createItem(e: ChatEntry): HTMLElement {
    const id = e.summary.id;
    const p: ItemParts = {
      link: h("a", { class: "chat-item", href: `/c/${id}` }),
      avatar: h("span", { class: "avatar", "aria-hidden": "true" }),
      dot: h("span", { class: "dot" }),
      title: h("span", { class: "title" }),
      muted: h("span", { class: "muted-icon", role: "img", "aria-label": "muted", title: "Muted" }, "🔕"),
      time: h("time", { class: "time" }),
      preview: h("span", { class: "preview" }),
      badge: h("span", { class: "badge" }),
    };
    p.link.addEventListener("click", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      this.actions.openChat(id);
    });
    setChildren(
      p.link,
      h("span", { class: "avatar-wrap" }, p.avatar, p.dot),
      h(
        "span",
        { class: "chat-main" },
        h("span", { class: "row" }, p.title, p.muted, p.time),
        h("span", { class: "row" }, p.preview, p.badge),
      ),
    );
    const li = h("li", { "data-chat-id": id }, p.link);
    parts.set(li, p);
    return li;
  }

  private updateItem(li: HTMLElement, e: ChatEntry): void {
    const s = this.store;
    const p = parts.get(li)!;
    const c = e.summary;
    const title = chatTitle(c);
    setLockedText(p.title, c.encrypted, title);
    setAttr(p.title, "title", c.encrypted ? "End-to-end encrypted" : null);
    setText(p.avatar, initials(title));
    p.avatar.dataset.kind = c.type;
    const online = c.peer ? s.presence.get(c.peer.id) === true : false;
    p.dot.hidden = c.type !== "private" || !c.peer;
    p.dot.className = `dot ${online ? "online" : "offline"}`;
    setAttr(p.dot, "aria-label", c.peer ? (online ? "online" : "offline") : null);
    setAttr(p.dot, "role", c.peer ? "img" : null);
    const last = c.last_message;
    setText(p.time, last ? formatTime(last.created_at) : "");
    setAttr(p.time, "datetime", last?.created_at ?? null);
    const typers = s.typing.who(c.id).map((u) => s.nameOf(u));
    const typing = typers.length > 0;
    setText(
      p.preview,
      typing
        ? c.type === "private"
          ? "typing…"
          : typingLabel(typers)
        : previewText(last, s.me.id, (u) => s.nameOf(u)),
    );
    p.preview.classList.toggle("typing", typing);
    const muted = isMuted(c.muted_until);
    p.muted.hidden = !muted;
    li.classList.toggle("muted-chat", muted);
    const unread = c.id === s.activeChatId ? 0 : c.unread_count;
    setText(p.badge, unread > 99 ? "99+" : String(unread));
    p.badge.hidden = unread === 0;
    setAttr(p.badge, "aria-label", unread ? `${unread} unread` : null);
    setAttr(p.link, "aria-current", c.id === s.activeChatId ? "page" : null);
    li.classList.toggle("unread", unread > 0);
  }
}

/** "End-to-end encrypted" for a new chat: a lock in the list, texts only this chat's devices read. */
function e2eBox(id: string) {
  const input = h("input", { type: "checkbox", id });
  const el = h(
    "div",
    { class: "field e2e" },
    input,
    h("label", { for: id }, lockIcon(), "End-to-end encrypted"),
  );
  return { el, input };
}
