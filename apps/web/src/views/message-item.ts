/**
 * One message in the conversation. Its content is rebuilt only when something it shows changed
 * (a signature of those fields), which keeps updates cheap and the code plain.
 */
import { textWithMentions } from "./mention-text.ts";
import { h, setChildren } from "../dom.ts";
import { clockTime } from "../logic/format.ts";
import { linkedText } from "./linked-text.ts";
import { ComposerLimit } from "./composer-limit.ts";
import { readByLabel, tickGlyph, tickLabel, tickOf, type Tick } from "../logic/receipts.ts";
import type { TimelineItem } from "../logic/timeline.ts";
import type { ChatEntry, Store } from "../store.ts";
import type { Actions } from "./actions.ts";
import { attachmentsBlock } from "./attachments.ts";
import { encryptedAttachments } from "../encryption/file-refs.ts";
import { lockIcon } from "./lock-icon.ts";
import { formatSize } from "../logic/uploads.ts";
import { quoteBlock, quoteSig, replyButton } from "./reply-quote.ts";
import { reactionPicker, reactionsBar, reactionsSig } from "./reactions-bar.ts";

export interface ItemUi {
  editing: number | undefined;
  confirmingDelete: number | undefined;
  setEditing(messageId: number | undefined): void;
  setConfirmingDelete(messageId: number | undefined): void;
}

type TimelineMessage = Extract<TimelineItem, { kind: "message" }>["message"];

const signatures = new WeakMap<HTMLElement, string>();

export function itemKey(item: TimelineItem, me: number): string {
  // My messages are keyed by client_id so the bubble stays the same element from pending to ✓✓.
  if (item.kind === "pending") return `c:${item.send.clientId}`;
  const m = item.message;
  return m.sender_id === me ? `c:${m.client_id}` : `m:${m.id}`;
}

export function createItem(): HTMLElement {
  return h("li", { class: "msg" });
}

export function updateItem(
  li: HTMLElement,
  item: TimelineItem,
  e: ChatEntry,
  s: Store,
  ui: ItemUi,
  actions: Actions,
) {
  const me = s.me.id;
  const group = e.summary.type === "group";
  if (item.kind === "pending") {
    const p = item.send;
    const tick: Tick = p.state === "failed" ? "failed" : s.connection === "online" ? "pending" : "queued";
    const sig = JSON.stringify(["p", p.text, tick, p.error, p.files]);
    if (signatures.get(li) === sig) return;
    signatures.set(li, sig);
    li.className = `msg mine ${tick}`;
    li.dataset.state = tick;
    li.dataset.clientId = p.clientId;
    delete li.dataset.seq;
    setChildren(
      li,
      h(
        "div",
        { class: "bubble" },
        p.files?.length &&
          h(
            "ul",
            { class: "pending-files" },
            p.files.map((f) => h("li", null, `${f.name} (${formatSize(f.size)})`)),
          ),
        p.text && h("p", { class: "text" }, p.text),
        h(
          "div",
          { class: "foot" },
          h("time", { datetime: p.createdAt }, clockTime(new Date(p.createdAt))),
          h(
            "span",
            { class: "tick", role: "img", "aria-label": tickLabel[tick], title: tickLabel[tick] },
            tickGlyph[tick],
          ),
        ),
        tick === "queued" && h("div", { class: "queued-row" }, "Will be sent when the connection is back"),
        tick === "failed" &&
          h(
            "div",
            { class: "failed-row" },
            h("span", { class: "failed-text" }, `Not sent${p.error ? `: ${p.error}` : ""}`),
            h(
              "button",
              { type: "button", class: "small", onclick: () => actions.retry(p.clientId) },
              "Retry",
            ),
            h(
              "button",
              { type: "button", class: "small link", onclick: () => actions.discard(p.clientId) },
              "Discard",
            ),
          ),
      ),
    );
    return;
  }

  const m = item.message;
  if (m.mls && (m.mls.kind !== "application" || m.mls.refers_to !== undefined)) {
    // An MLS commit or proposal: key material for the devices, nothing for people to read. An
    // edit: shown as the text of the message it refers to.
    li.className = "msg handshake";
    li.hidden = true;
    li.dataset.seq = String(m.seq);
    return;
  }
  const shown: ReturnType<typeof readable> = m.mls ? readable(s, m) : { text: m.text, note: false };
  const mine = m.sender_id === me;
  const tick: Tick | undefined = mine ? tickOf(m, e.fullyReadSeq) : undefined;
  const readers =
    mine && group
      ? e.cursors
          .readersOf(m.seq, me)
          .map((u) => s.nameOf(u))
          .sort()
      : [];
  const editing = ui.editing === m.id;
  if (!editing) openEditors.delete(m.id);
  const confirming = ui.confirmingDelete === m.id;
  const sender = mine ? "You" : s.nameOf(m.sender_id);
  const named = shown.text?.includes("@") ? mentionNames(e, s) : [];
  const sig = JSON.stringify([
    named,
    m.id,
    shown.text,
    m.attachments?.map((a) => a.id),
    m.edited_at ?? shown.edited,
    m.deleted_at,
    tick,
    readers,
    editing,
    confirming,
    sender,
    quoteSig(m, e),
    reactionsSig(m, s),
  ]);
  if (signatures.get(li) === sig) return;
  signatures.set(li, sig);
  li.className = `msg ${mine ? "mine" : "theirs"}${m.deleted_at ? " deleted" : ""}`;
  li.dataset.seq = String(m.seq);
  li.dataset.clientId = m.client_id;
  li.dataset.state = tick ?? "received";

  let body: HTMLElement;
  if (editing) body = editor(m.id, m.mls ? (shown.note ? "" : shown.text) : m.text, ui, actions);
  else if (m.deleted_at) body = h("p", { class: "text deleted-text" }, "Message deleted");
  else
    body = h(
      "p",
      { class: shown.note ? "text undecryptable" : "text", hidden: !shown.text },
      shown.note && lockIcon(),
      shown.note || !shown.text
        ? shown.text
        : linkedText(shown.text, (t) => textWithMentions(t, named, s.me.name)),
    );
  const files = m.deleted_at
    ? null
    : attachmentsBlock(m.mls ? encryptedAttachments(s.decrypted.get(m.id)?.files) : m.attachments, actions);
  // Replies and reactions: not in encrypted chats (the server cannot take them there yet).
  const social = !m.deleted_at && !editing && !e.summary.encrypted;
  const socialButtons = social ? [replyButton(m, s, actions), reactionPicker(m, actions)] : [];

  const controls =
    mine && !m.deleted_at && !editing
      ? confirming
        ? h(
            "div",
            { class: "msg-actions confirm", role: "group", "aria-label": "Delete this message?" },
            h("span", null, "Delete this message?"),
            h(
              "button",
              {
                type: "button",
                class: "small danger",
                onclick: () => {
                  ui.setConfirmingDelete(undefined);
                  void actions.remove(m.id);
                },
              },
              "Delete",
            ),
            h(
              "button",
              { type: "button", class: "small link", onclick: () => ui.setConfirmingDelete(undefined) },
              "Keep",
            ),
          )
        : h(
            "div",
            { class: "msg-actions" },
            menuToggle(li),
            socialButtons,
            h(
              "button",
              {
                type: "button",
                class: "small link",
                "aria-label": "Edit message",
                onclick: () => ui.setEditing(m.id),
              },
              "Edit",
            ),
            h(
              "button",
              {
                type: "button",
                class: "small link",
                "aria-label": "Delete message",
                onclick: () => ui.setConfirmingDelete(m.id),
              },
              "Delete",
            ),
          )
      : socialButtons.length > 0
        ? h("div", { class: "msg-actions" }, menuToggle(li), socialButtons)
        : null;

  const foot = h(
    "div",
    { class: "foot" },
    !confirming && controls,
    (m.edited_at || shown.edited) && !m.deleted_at && h("span", { class: "edited" }, "edited"),
    h(
      "time",
      { datetime: m.created_at, title: new Date(m.created_at).toLocaleString() },
      clockTime(new Date(m.created_at)),
    ),
    tick &&
      !m.deleted_at &&
      h(
        "span",
        { class: `tick ${tick}`, role: "img", "aria-label": tickLabel[tick], title: tickLabel[tick] },
        tickGlyph[tick],
      ),
  );
  setChildren(
    li,
    h(
      "div",
      { class: "bubble" },
      !mine && h("div", { class: "sender" }, sender),
      quoteBlock(m, e, s, actions),
      files,
      body,
      reactionsBar(m, s, actions, social),
      foot,
      readers.length > 0 &&
        h("div", { class: "read-by", title: `Read by ${readers.join(", ")}` }, readByLabel(readers)),
      confirming && controls,
    ),
  );
}

/**
 * The open edit box of each message being edited: a redraw of the message (a receipt, a reaction,
 * a name arriving) keeps the same box, so what was typed, the caret and the focus stay.
 */
const openEditors = new Map<number, HTMLElement>();

function editor(messageId: number, text: string, ui: ItemUi, actions: Actions): HTMLElement {
  const kept = openEditors.get(messageId);
  if (kept) {
    const area = kept.querySelector("textarea")!;
    if (document.activeElement === area) {
      const [start, end] = [area.selectionStart, area.selectionEnd];
      // Moving the box to the redrawn bubble takes the focus away: give it back where it was.
      queueMicrotask(() => {
        area.focus();
        area.setSelectionRange(start, end);
      });
    }
    return kept;
  }
  const box = newEditor(messageId, text, ui, actions);
  openEditors.set(messageId, box);
  return box;
}

function newEditor(messageId: number, text: string, ui: ItemUi, actions: Actions): HTMLElement {
  const id = `edit-${messageId}`;
  const done = () => {
    openEditors.delete(messageId);
    ui.setEditing(undefined);
  };
  // No maxlength: it would cut a long paste silently; the limit counts and refuses instead.
  const area = h("textarea", { id, class: "edit-area", rows: 2 });
  area.value = text;
  const limit = new ComposerLimit(area);
  limit.update();
  area.addEventListener("input", () => limit.update());
  const save = async () => {
    const next = area.value;
    if (!next.trim() || !limit.allows(next)) return;
    if (next === text) return done();
    if (await actions.edit(messageId, next)) done();
  };
  area.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      done();
    } else if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      void save();
    }
  });
  queueMicrotask(() => {
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  });
  return h(
    "div",
    { class: "editor" },
    h("label", { for: id, class: "visually-hidden" }, "Edit message"),
    area,
    limit.el,
    h(
      "div",
      { class: "msg-actions" },
      h("button", { type: "button", class: "small primary", onclick: () => void save() }, "Save"),
      h("button", { type: "button", class: "small link", onclick: () => done() }, "Cancel"),
    ),
  );
}

/** What this device can show of an encrypted message, honestly. */
function readable(s: Store, m: TimelineMessage): { text: string; note: boolean; edited?: boolean } {
  const joinedAt = s.e2eJoinedAt.get(m.chat_id);
  const r =
    s.decrypted.get(m.id) ??
    (joinedAt !== undefined && m.mls!.epoch < joinedAt ? { text: null, reason: "before_join" } : undefined);
  if (!r) return { text: "Decrypting…", note: true };
  if (r.text !== null) return { text: r.text, note: false, edited: r.edited };
  return r.reason === "before_join"
    ? { text: "Sent before this device joined: it cannot be read here.", note: true }
    : { text: "This message could not be decrypted on this device.", note: true };
}

/** Names a mention may name in this chat: its members (me included), once they are loaded. */
function mentionNames(e: ChatEntry, s: Store): string[] {
  return [
    s.me.name,
    ...(e.members ?? []).map((m) => m.name),
    ...(e.summary.peer ? [e.summary.peer.name] : []),
  ];
}

/** On touch screens (no hover) the message actions sit behind this menu button (styles.css). */
function menuToggle(li: HTMLElement): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      class: "small link menu-toggle",
      "aria-label": "Message actions",
      "aria-expanded": "false",
      onclick: (ev: MouseEvent) => {
        const open = li.classList.toggle("menu-open");
        (ev.currentTarget as HTMLElement).setAttribute("aria-expanded", String(open));
      },
    },
    "⋯",
  );
}
