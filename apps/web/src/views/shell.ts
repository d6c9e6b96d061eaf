/** The signed-in page: banner, notices, the chat list and the conversation side by side (stacked on phones). */
import { h, setText } from "../dom.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";
import { Banner } from "./banner.ts";
import { Conversation } from "./conversation.ts";
import { Sidebar } from "./sidebar.ts";
import { AccountView } from "./account-view.ts";
import { NotifyOffer } from "./notify-settings.ts";

export class Shell {
  readonly el: HTMLElement;
  readonly conversation: Conversation;
  private readonly banner = new Banner();
  private readonly sidebar: Sidebar;
  private readonly notice = h("p", { class: "notice", role: "alert" });
  private readonly layout: HTMLElement;
  private readonly account: AccountView;
  private readonly offer: NotifyOffer;

  constructor(
    private readonly store: Store,
    actions: Actions,
  ) {
    this.sidebar = new Sidebar(store, actions);
    this.conversation = new Conversation(store, actions);
    this.layout = h("main", { class: "layout" }, this.sidebar.el, this.conversation.el);
    this.account = new AccountView(store, actions);
    this.offer = new NotifyOffer(store, actions);
    this.el = h(
      "div",
      { class: "shell" },
      this.banner.el,
      this.notice,
      this.offer.el,
      this.layout,
      this.account.el,
    );
  }

  update(): void {
    const s = this.store;
    this.banner.update(s);
    setText(this.notice, s.notice ?? "");
    this.notice.hidden = !s.notice;
    this.layout.dataset.view = s.activeChatId === undefined ? "list" : "chat";
    this.layout.hidden = s.page !== "chats";
    this.account.el.hidden = s.page === "chats";
    this.account.update();
    this.offer.update();
    this.sidebar.update();
    this.conversation.update();
    const unread = [...s.chats.values()].reduce(
      (n, e) => n + (e.summary.id === s.activeChatId ? 0 : e.summary.unread_count),
      0,
    );
    document.title = unread > 0 ? `(${unread}) Chat` : "Chat";
  }
}
