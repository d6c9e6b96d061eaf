/**
 * Replies: the "Reply" action of a message, the quote a reply shows (sender and snippet, "deleted
 * message" once the original is gone; the original's edits show as soon as this page has them),
 * which opens the original in its context when clicked, and the bar above the composer that says
 * what I am replying to, with a cancel button (Escape in the composer cancels too).
 */
import { REPLY_SNIPPET } from "@chat/protocol";
import { h, setChildren } from "../dom.ts";
import type { ReplyDraft } from "../logic/search-results.ts";
import type { Message } from "../logic/types.ts";
import type { ChatEntry, Store } from "../store.ts";
import type { Actions } from "./actions.ts";

type Quote = NonNullable<Message["reply_to"]>;

/** The quote as it is now: the loaded original wins over the copy the reply came with. */
function current(q: Quote, e: ChatEntry): { snippet: string; deleted: boolean } {
  const orig = e.timeline.get(q.seq);
  if (orig && orig.id === q.id)
    return { snippet: orig.deleted_at ? "" : orig.text.slice(0, REPLY_SNIPPET), deleted: !!orig.deleted_at };
  return { snippet: q.snippet, deleted: q.deleted };
}

/** What the quote shows, for the message's signature (rebuilt when it changes). */
export function quoteSig(m: Message, e: ChatEntry): unknown {
  return m.reply_to ? [m.reply_to.id, current(m.reply_to, e)] : null;
}

export function quoteBlock(m: Message, e: ChatEntry, s: Store, actions: Actions): HTMLElement | null {
  const q = m.reply_to;
  if (!q || m.deleted_at) return null;
  const now = current(q, e);
  const who = s.nameOf(q.sender_id);
  const text = now.deleted ? "deleted message" : now.snippet;
  return h(
    "button",
    {
      type: "button",
      class: `reply-quote${now.deleted ? " gone" : ""}`,
      title: "Show the message replied to",
      "aria-label": `Reply to ${who}: ${text}. Show it`,
      onclick: () => actions.openMessage(m.chat_id, q.seq),
    },
    h("span", { class: "quote-sender" }, who),
    h("span", { class: "quote-text" }, text),
  );
}

export function replyButton(m: Message, s: Store, actions: Actions): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      class: "small link reply-btn",
      "aria-label": `Reply to ${s.nameOf(m.sender_id)}`,
      onclick: () =>
        actions.replyTo(m.chat_id, { id: m.id, seq: m.seq, sender_id: m.sender_id, text: m.text }),
    },
    "Reply",
  );
}

/** Above the composer: the message I am replying to, and a way out. */
export class ReplyBar {
  readonly el = h("div", { class: "reply-bar", hidden: true });
  private shown: ReplyDraft | undefined;

  constructor(
    private readonly store: Store,
    private readonly actions: Actions,
  ) {}

  /** Escape in the composer cancels the reply (when there is one). */
  listenTo(composer: HTMLTextAreaElement): void {
    composer.addEventListener("keydown", (ev) => {
      const id = this.store.activeChatId;
      if (ev.key !== "Escape" || id === undefined || !this.store.replies.has(id)) return;
      ev.preventDefault();
      this.actions.replyTo(id, undefined);
    });
  }

  update(): void {
    const id = this.store.activeChatId;
    const r = id === undefined ? undefined : this.store.replies.get(id);
    this.el.hidden = !r;
    if (r === this.shown) return;
    this.shown = r;
    if (!r || id === undefined) return setChildren(this.el);
    const who = this.store.nameOf(r.sender_id);
    setChildren(
      this.el,
      h(
        "div",
        { class: "reply-bar-text" },
        h("span", { class: "quote-sender" }, `Replying to ${who}`),
        h("span", { class: "quote-text" }, r.text.slice(0, REPLY_SNIPPET)),
      ),
      h(
        "button",
        {
          type: "button",
          class: "small link reply-cancel",
          "aria-label": "Cancel the reply",
          title: "Cancel the reply (Esc)",
          onclick: () => this.actions.replyTo(id, undefined),
        },
        "×",
      ),
    );
  }
}
