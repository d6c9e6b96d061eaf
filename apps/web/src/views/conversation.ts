/**
 * The open chat: header (title, presence or members, typing), the message log with history
 * loading as you scroll up, and the composer (Enter sends, Shift+Enter adds a line). Files come
 * in by the attach button, dropped anywhere on the conversation, or pasted into the composer;
 * they wait in the tray above it until they go with the next message.
 */
import { lockIcon, setLockedText } from "./lock-icon.ts";
import { safetyPanel, type SafetyView } from "../encryption/safety.ts";
import { groupAlerts, type GroupAlert } from "../encryption/group-alerts.ts";
import { h, reconcile, setAttr, setText } from "../dom.ts";
import { chatTitle } from "../logic/chat-list.ts";
import { typingLabel } from "../logic/typing.ts";
import { pastedName } from "../logic/uploads.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";
import { AttachmentTray } from "./attachment-tray.ts";
import { MembersPanel } from "./members-panel.ts";
import { MentionPicker } from "./mention-picker.ts";
import { PresenceLine } from "./presence-line.ts";
import { isMuted } from "../logic/mentions.ts";
import { createItem, itemKey, updateItem, type ItemUi } from "./message-item.ts";
import { conversationRows, createRow, rowKey, updateRow, type Row } from "./conversation-rows.ts";
import { ComposerLimit } from "./composer-limit.ts";
import { createGap, showJumpTarget, updateGap } from "./message-context.ts";
import { ReplyBar } from "./reply-quote.ts";

/** A first unread more messages than this above the oldest loaded one is opened in its context. */
const FAR_UNREAD = 80;

const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 120;

export class Conversation {
  readonly el: HTMLElement;
  private readonly title = h("h2", { id: "conversation-title" });
  private readonly subtitle = h("p", { class: "subtitle" });
  private readonly presenceDot = h("span", { class: "dot", role: "img" });
  private readonly membersBtn: HTMLButtonElement;
  private readonly safetyBtn = h(
    "button",
    { type: "button", class: "small safety-btn" },
    lockIcon(),
    "Safety numbers",
  );
  private readonly muteBtn = h("button", { type: "button", class: "small mute-btn" });
  private readonly presenceLine: PresenceLine;
  private readonly mentionPicker: MentionPicker;
  private readonly safetySlot = h("div", { class: "safety-slot" });
  private readonly alertSlot = h("div", { class: "group-alerts" });
  private readonly scroller: HTMLElement;
  private readonly list = h("ol", { class: "messages" });
  private readonly olderBtn: HTMLButtonElement;
  private readonly typingLine = h("p", { class: "typing-line", "aria-live": "polite" });
  // No maxlength: it would cut a long paste silently (ComposerLimit counts and refuses instead).
  private readonly composer = h("textarea", {
    id: "composer",
    rows: 1,
    placeholder: "Write a message…",
    autocomplete: "off",
  });
  private readonly form: HTMLFormElement;
  private readonly fileInput = h("input", {
    type: "file",
    multiple: true,
    id: "attach-input",
    class: "visually-hidden",
    tabindex: -1,
  });
  private readonly tray: AttachmentTray;
  private readonly dropHint = h(
    "div",
    { class: "drop-hint", "aria-hidden": "true" },
    "Drop files to send them",
  );
  private readonly members: MembersPanel;
  private readonly placeholder = h(
    "div",
    { class: "placeholder" },
    h("p", null, "Choose a chat, or start a new one."),
  );
  private readonly body: HTMLElement;
  private shownChat: number | undefined;
  private shownSafety: SafetyView | undefined;
  private shownAlerts: readonly GroupAlert[] | undefined;
  private readonly ui: ItemUi;
  private readonly emptyNote = h("p", { class: "empty-chat muted" }, "No messages here yet. Say hello!");
  private readonly unreadBtn = h("button", { type: "button", class: "small jump-unread" }, "↑ First unread");
  /** Scroll to the first unread message once it is on the page (set when a chat with unread opens). */
  private jumpPending = false;
  private readonly limit: ComposerLimit;
  private readonly replyBar: ReplyBar;

  constructor(
    private readonly store: Store,
    private readonly actions: Actions,
  ) {
    this.ui = {
      editing: undefined,
      confirmingDelete: undefined,
      setEditing: (id) => {
        this.ui.editing = id;
        this.ui.confirmingDelete = undefined;
        this.update();
        if (id === undefined) this.composer.focus();
      },
      setConfirmingDelete: (id) => {
        this.ui.confirmingDelete = id;
        this.update();
      },
    };
    this.safetyBtn.onclick = () => actions.showSafetyNumbers();
    this.muteBtn.onclick = () => actions.toggleMute();
    this.presenceLine = new PresenceLine(this.subtitle, store);
    this.membersBtn = h(
      "button",
      {
        type: "button",
        "aria-controls": "members-panel",
        "aria-expanded": "false",
        onclick: () => actions.toggleMembers(),
      },
      "Members",
    );
    this.olderBtn = h(
      "button",
      { type: "button", class: "small link", onclick: () => actions.loadOlder() },
      "Load older messages",
    );
    this.scroller = h(
      "div",
      {
        class: "scroller",
        tabindex: 0,
        role: "log",
        "aria-labelledby": "conversation-title",
        "aria-live": "polite",
      },
      h("div", { class: "older" }, this.olderBtn),
      this.list,
      this.emptyNote,
    );
    this.unreadBtn.onclick = () => {
      this.jumpPending = true;
      this.update();
    };
    this.scroller.addEventListener("scroll", () => {
      this.updateUnreadBtn();
      const e = this.store.active;
      if (e && this.scroller.scrollTop < NEAR_TOP_PX && e.timeline.hasOlder && !e.loadingOlder)
        actions.loadOlder();
    });
    this.tray = new AttachmentTray(actions);
    this.fileInput.addEventListener("change", () => {
      const files = [...(this.fileInput.files ?? [])];
      this.fileInput.value = "";
      actions.attach(files);
      this.composer.focus();
    });
    this.form = h(
      "form",
      { class: "composer", "aria-label": "Send a message" },
      h(
        "button",
        {
          type: "button",
          class: "attach",
          "aria-label": "Attach files",
          title: "Attach files",
          onclick: () => this.fileInput.click(),
        },
        "Attach",
      ),
      this.fileInput,
      h("label", { for: "composer", class: "visually-hidden" }, "Message"),
      this.composer,
      h("button", { type: "submit", class: "primary send" }, "Send"),
    );
    // A pasted image (a screenshot) or files copied in a file manager; text pastes as usual.
    this.composer.addEventListener("paste", (ev) => {
      const files = [...(ev.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      ev.preventDefault();
      // Every pasted screenshot is "image.png": each gets a name of its own.
      actions.attach(
        files.map((f) => (pastedName(f) === f.name ? f : new File([f], pastedName(f), { type: f.type }))),
      );
    });
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.composer.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit();
      } else if (ev.key === "ArrowUp" && !this.composer.value && !ev.shiftKey && !ev.altKey && !ev.ctrlKey) {
        // Up in an empty composer edits my last message, as in Telegram and Slack.
        const mine = this.store.active?.timeline
          .messages()
          .findLast((m) => m.sender_id === this.store.me.id && !m.deleted_at && !m.mls);
        if (mine) {
          ev.preventDefault();
          this.ui.setEditing(mine.id);
        }
      }
    });
    this.limit = new ComposerLimit(this.composer, (text) => {
      this.composer.value = text;
      this.submit();
    });
    this.composer.addEventListener("input", () => {
      this.limit.update();
      this.autosize();
      actions.saveDraft(this.composer.value);
      if (this.composer.value.trim()) actions.typing();
      else actions.stopTyping();
    });
    this.members = new MembersPanel(store, actions);
    this.mentionPicker = new MentionPicker(
      this.composer,
      () => (this.store.active?.members ?? []).filter((m) => m.id !== this.store.me.id),
      () => {
        this.actions.saveDraft(this.composer.value);
        this.actions.typing();
      },
    );
    this.replyBar = new ReplyBar(store, actions);
    this.replyBar.listenTo(this.composer);
    const back = h(
      "button",
      {
        type: "button",
        class: "back",
        "aria-label": "Back to chats",
        onclick: () => actions.openChat(undefined),
      },
      "←",
    );
    this.body = h(
      "div",
      { class: "conversation-body" },
      h(
        "header",
        { class: "conversation-head" },
        back,
        h(
          "div",
          { class: "head-text" },
          h("div", { class: "title-row" }, this.presenceDot, this.title),
          this.subtitle,
        ),
        this.safetyBtn,
        this.muteBtn,
        this.membersBtn,
      ),
      this.alertSlot,
      this.safetySlot,
      this.members.el,
      // A slot of no height: the button floats over the log instead of shrinking it when it shows.
      h("div", { class: "jump-unread-slot" }, this.unreadBtn),
      this.scroller,
      this.typingLine,
      this.limit.el,
      this.tray.el,
      this.mentionPicker.el,
      this.replyBar.el,
      this.form,
      this.dropHint,
    );
    this.listenForDrops();
    this.el = h(
      "section",
      { class: "conversation", "aria-label": "Conversation" },
      this.placeholder,
      this.body,
    );
  }

  /** Files dragged over the conversation: a hint while over it, attached when dropped. */
  private listenForDrops() {
    const carriesFiles = (ev: DragEvent) => ev.dataTransfer?.types.includes("Files") ?? false;
    let depth = 0;
    const show = (on: boolean) => this.body.classList.toggle("dropping", on);
    this.body.addEventListener("dragenter", (ev) => {
      if (!carriesFiles(ev)) return;
      ev.preventDefault();
      depth++;
      show(true);
    });
    this.body.addEventListener("dragover", (ev) => {
      if (!carriesFiles(ev)) return;
      ev.preventDefault();
      ev.dataTransfer!.dropEffect = "copy";
    });
    this.body.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) show(false);
    });
    this.body.addEventListener("drop", (ev) => {
      depth = 0;
      show(false);
      if (!carriesFiles(ev)) return;
      ev.preventDefault();
      this.actions.attach([...(ev.dataTransfer?.files ?? [])]);
    });
  }

  private submit() {
    const text = this.composer.value;
    if (!this.limit.allows(text)) return;
    if (!this.actions.send(text)) return;
    this.composer.value = "";
    this.limit.update();
    this.autosize();
    this.actions.saveDraft("");
    this.composer.focus();
  }

  private autosize() {
    this.composer.style.height = "auto";
    this.composer.style.height = `${Math.min(this.composer.scrollHeight, 160)}px`;
  }

  /** "First unread" shows while the first unread message is above the view (or not loaded yet). */
  private updateUnreadBtn() {
    const e = this.store.active;
    const row = this.list.querySelector<HTMLElement>(":scope > li.unread-sep");
    this.unreadBtn.hidden =
      !e ||
      e.firstUnread === undefined ||
      (!!row && row.offsetTop + row.offsetHeight > this.scroller.scrollTop) ||
      (!row && !e.timeline.hasOlder);
  }

  focusComposer() {
    this.composer.focus();
  }

  update(): void {
    const s = this.store;
    const e = s.active;
    this.placeholder.hidden = !!e;
    this.body.hidden = !e;
    if (!e) {
      this.shownChat = undefined;
      return;
    }
    const c = e.summary;
    const switched = this.shownChat !== c.id;
    if (switched) {
      this.shownChat = c.id;
      this.ui.editing = undefined;
      this.ui.confirmingDelete = undefined;
      this.mentionPicker.close();
      this.composer.value = s.drafts.get(c.id);
      this.limit.update();
      this.autosize();
      this.jumpPending = e.firstUnread !== undefined;
    }
    setLockedText(this.title, c.encrypted, chatTitle(c));
    this.safetyBtn.hidden = !c.encrypted;
    const attachBtn = this.form.querySelector<HTMLButtonElement>("button.attach");
    if (attachBtn) {
      attachBtn.title = c.encrypted ? "Attach files (encrypted on this device)" : "Attach files";
    }
    const joined = s.e2eJoined.has(c.id);
    setAttr(this.body, "data-e2e", c.encrypted ? (joined ? "joined" : "joining") : null);
    setAttr(this.composer, "placeholder", c.encrypted ? "Encrypted message…" : "Write a message…");
    const safety = s.safety?.chatId === c.id ? s.safety : undefined;
    if (safety !== this.shownSafety) {
      this.shownSafety = safety;
      this.safetySlot.replaceChildren(...(safety ? [safetyPanel(safety, this.actions)] : []));
    }
    const alerts = s.e2eAlerts.get(c.id);
    if (alerts !== this.shownAlerts) {
      this.shownAlerts = alerts;
      this.alertSlot.replaceChildren(...groupAlerts(alerts ?? [], this.actions));
    }
    const peerOnline = c.peer ? s.presence.get(c.peer.id) === true : false;
    this.presenceDot.hidden = c.type !== "private" || !c.peer;
    this.presenceDot.className = `dot ${peerOnline ? "online" : "offline"}`;
    setAttr(this.presenceDot, "aria-label", peerOnline ? "online" : "offline");
    const typers = s.typing.who(c.id).map((u) => s.nameOf(u));
    this.presenceLine.update(e);
    const muted = isMuted(c.muted_until);
    setText(this.muteBtn, muted ? "🔕 Unmute" : "🔔 Mute");
    setAttr(this.muteBtn, "aria-pressed", String(muted));
    setAttr(
      this.muteBtn,
      "title",
      muted ? "Muted: only @mentions notify you" : "Mute notifications of this chat",
    );
    setText(this.typingLine, typingLabel(typers));
    if (c.encrypted && !joined) setText(this.subtitle, "This device is joining the encrypted chat…");
    this.membersBtn.hidden = c.type !== "group";
    this.membersBtn.setAttribute("aria-expanded", String(s.membersOpen));
    this.members.update(e);
    this.tray.update(s.uploads.get(c.id) ?? [], s.waitingSend.has(c.id));
    this.replyBar.update();

    const tl = e.timeline;
    this.olderBtn.hidden = !tl.hasOlder || !tl.loaded;
    this.olderBtn.disabled = e.loadingOlder;
    setText(this.olderBtn, e.loadingOlder ? "Loading…" : "Load older messages");

    // Scroll: stay at the bottom when there, keep the view still when older messages come in above.
    const sc = this.scroller;
    const wasAtBottom = sc.scrollHeight - sc.scrollTop - sc.clientHeight < NEAR_BOTTOM_PX;
    // The first message is the anchor (a day separator above it may move up with older pages).
    const anchor = this.list.querySelector<HTMLElement>(":scope > li.msg");
    const anchorTop = anchor?.offsetTop ?? 0;
    const items = tl.items();
    const rows = conversationRows(items, s.me.id, e.firstUnread, tl.hasOlder);
    reconcile(
      this.list,
      rows,
      (r: Row) => rowKey(r, (it) => itemKey(it, s.me.id)),
      (r: Row) => createRow(r, createItem, createGap),
      (el, r: Row) =>
        updateRow(
          el,
          r,
          (li, it) => updateItem(li, it, e, s, this.ui, this.actions),
          (li, g) => updateGap(li, g, c.id, this.actions),
        ),
    );
    this.emptyNote.hidden = !(tl.loaded && items.length === 0);
    const unreadRow = this.list.querySelector<HTMLElement>(":scope > li.unread-sep");
    // A message opened in its context (a search result, a quote) wins over the first unread.
    if (s.jumpTo?.chatId === c.id) this.jumpPending = false;
    if (this.jumpPending && e.firstUnread !== undefined && tl.loaded) {
      if (unreadRow) {
        this.jumpPending = false;
        s.scrollToEnd = false;
        sc.scrollTop = Math.max(0, unreadRow.offsetTop - 8);
      } else if (tl.hasOlder && !e.loadingOlder) {
        const firstUnread = e.firstUnread;
        // Far above the loaded pages: open it in its context (a window around it, the hole
        // between filling as one scrolls) instead of loading every page on the way down.
        if ((tl.oldestSeq ?? firstUnread) - firstUnread > FAR_UNREAD) {
          this.jumpPending = false;
          queueMicrotask(() => this.actions.openMessage(c.id, firstUnread));
        } else queueMicrotask(() => this.actions.loadOlder());
      } else if (!tl.hasOlder) this.jumpPending = false;
    } else if (switched || s.scrollToEnd || wasAtBottom) {
      sc.scrollTop = sc.scrollHeight;
      s.scrollToEnd = false;
    } else if (anchor && anchor.isConnected && anchor.offsetTop !== anchorTop) {
      // Older messages came in above: keep what was on screen where it was. The browser's own
      // scroll anchoring is off (overflow-anchor: none), else both would move it.
      sc.scrollTop += anchor.offsetTop - anchorTop;
    }
    this.updateUnreadBtn();
    showJumpTarget(this.list, s, c.id);
    // A short history does not fill the view, so no scroll event would ever ask for more.
    if (
      tl.loaded &&
      tl.hasOlder &&
      !e.loadingOlder &&
      sc.clientHeight > 0 &&
      sc.scrollHeight <= sc.clientHeight + 10
    ) {
      queueMicrotask(() => this.actions.loadOlder());
    }
  }
}
