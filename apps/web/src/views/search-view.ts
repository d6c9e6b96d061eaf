/**
 * The message search panel at the top of the chat list: a box, where to look (all chats or the
 * open one), the results (chat, sender, time, the snippet with the words found marked — built
 * from the server's ranges as text nodes, never as HTML) and "More results". Encrypted chats are
 * said plainly to be searched on this device only.
 */
import { h, reconcile, setAttr, setChildren, setText } from "../dom.ts";
import { chatTitle } from "../logic/chat-list.ts";
import { formatTime } from "../logic/format.ts";
import { highlightPieces } from "../logic/highlight.ts";
import type { SearchHit } from "../logic/search-results.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";

const TYPING_PAUSE_MS = 500;

export class SearchView {
  readonly el: HTMLElement;
  private readonly input = h("input", {
    id: "search-q",
    type: "search",
    placeholder: "Search messages",
    autocomplete: "off",
    maxlength: 200,
  });
  private readonly scope = h(
    "select",
    { id: "search-scope", "aria-label": "Where to search" },
    h("option", { value: "all" }, "All chats"),
    h("option", { value: "chat" }, "This chat"),
  );
  private readonly note = h("p", { class: "search-note" });
  private readonly status = h("p", { class: "search-status", role: "status" });
  private readonly list = h("ol", { class: "msg-results", "aria-label": "Search results" });
  private readonly more: HTMLButtonElement;
  private readonly box: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: Store,
    private readonly actions: Actions,
  ) {
    const form = h(
      "form",
      { class: "search-form", role: "search" },
      h("label", { for: "search-q", class: "visually-hidden" }, "Search messages"),
      this.input,
      this.scope,
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.run();
    });
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.run(), TYPING_PAUSE_MS);
    });
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && this.input.value) {
        ev.preventDefault();
        this.input.value = "";
        this.run();
      }
    });
    this.scope.addEventListener("change", () => this.run());
    this.more = h(
      "button",
      { type: "button", class: "small link search-more", onclick: () => actions.searchMore() },
      "More results",
    );
    this.box = h("div", { class: "search-box" }, this.note, this.status, this.list, this.more);
    this.el = h("section", { class: "msg-search", "aria-label": "Message search" }, form, this.box);
  }

  private run() {
    clearTimeout(this.timer);
    const chat = this.scope.value === "chat" ? this.store.activeChatId : undefined;
    const q = this.input.value;
    const st = this.store.search;
    const scope = chat ?? "all";
    if (q === st.query && scope === st.scope && st.done) return;
    this.actions.searchMessages(q, scope);
  }

  update(): void {
    const s = this.store;
    const st = s.search;
    const active = s.active;
    const chatOption = this.scope.options[1];
    chatOption.disabled = !active;
    setText(chatOption, active ? `In “${chatTitle(active.summary)}”` : "This chat");
    if (!active && this.scope.value === "chat") this.scope.value = "all";
    const searching = st.query.trim() !== "";
    this.box.hidden = !searching;
    const scopeChat = st.scope === "all" ? undefined : s.chats.get(st.scope);
    const anyEncrypted = [...s.chats.values()].some((e) => e.summary.encrypted);
    setText(
      this.note,
      st.local
        ? "🔒 This chat is end-to-end encrypted: it is searched on this device only, among the messages loaded and decrypted here."
        : st.scope === "all" && anyEncrypted
          ? "🔒 Encrypted chats are not searched on the server: open one and search “In” it — on this device only."
          : "",
    );
    this.note.hidden = !this.note.textContent;
    setText(
      this.status,
      st.error ??
        (st.loading
          ? "Searching…"
          : st.done && st.results.length === 0
            ? `Nothing found${scopeChat ? ` in “${chatTitle(scopeChat.summary)}”` : ""}`
            : st.done
              ? `${st.results.length}${st.next ? "+" : ""} found`
              : ""),
    );
    setAttr(this.status, "class", st.error ? "search-status form-error" : "search-status");
    reconcile(
      this.list,
      st.results,
      (x) => `${x.chat_id}:${x.message_id}`,
      () => h("li", { class: "msg-hit" }),
      (li, x) => this.updateHit(li, x),
    );
    this.more.hidden = !st.next;
    this.more.disabled = st.loading;
  }

  private updateHit(li: HTMLElement, x: SearchHit) {
    const s = this.store;
    const chat = s.chats.get(x.chat_id);
    const sender = s.nameOf(x.sender_id);
    const sig = JSON.stringify([chat ? chatTitle(chat.summary) : "", sender, x.snippet, x.highlights]);
    if (li.dataset.sig === sig) return;
    li.dataset.sig = sig;
    li.dataset.seq = String(x.seq);
    setChildren(
      li,
      h(
        "button",
        { type: "button", class: "hit", onclick: () => this.actions.openResult(x) },
        h(
          "span",
          { class: "hit-head" },
          h("span", { class: "hit-chat" }, chat ? chatTitle(chat.summary) : `Chat ${x.chat_id}`),
          h(
            "time",
            { datetime: x.created_at, title: new Date(x.created_at).toLocaleString() },
            formatTime(x.created_at),
          ),
        ),
        h(
          "span",
          { class: "hit-text" },
          h("span", { class: "hit-sender" }, `${sender}: `),
          h(
            "span",
            { class: "hit-snippet" },
            highlightPieces(x.snippet, x.highlights).map((p) => (p.hit ? h("mark", null, p.text) : p.text)),
          ),
        ),
      ),
    );
  }
}
