/**
 * The reactions under a message: one button per emoji with its count (mine pressed; who reacted
 * in its tooltip, by name), and a small picker of common emoji plus a field for any other one.
 * Which message's picker is open is kept here, so a message redrawn meanwhile keeps it open.
 */
import { h } from "../dom.ts";
import type { Message } from "../logic/types.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";

const COMMON = ["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "🔥"];

let pickerFor: number | undefined;

/** Who reacted, as the tooltip says it. */
function reactedBy(r: { count: number; user_ids: number[] }, s: Store): string {
  const names = r.user_ids.map((u) => s.nameOf(u));
  const rest = r.count - names.length;
  return rest > 0 ? `${names.join(", ")} and ${rest} more` : names.join(", ");
}

/** What the bar shows, for the message's signature. */
export function reactionsSig(m: Message, s: Store): unknown {
  return (m.reactions ?? []).map((r) => [r.emoji, r.count, reactedBy(r, s)]);
}

/** `canReact`: false where the server takes no reactions (encrypted chats, deleted messages). */
export function reactionsBar(m: Message, s: Store, actions: Actions, canReact: boolean): HTMLElement | null {
  const list = m.reactions ?? [];
  if (list.length === 0) return null;
  const toggle = (emoji: string) => actions.react(m.chat_id, m.id, emoji);
  const buttons = list.map((r) => {
    const mine = r.user_ids.includes(s.me.id);
    const who = reactedBy(r, s);
    return h(
      "button",
      {
        type: "button",
        class: `reaction${mine ? " mine" : ""}`,
        "aria-pressed": String(mine),
        "aria-label": `${r.emoji} ${r.count}: ${who}`,
        title: who,
        disabled: !canReact,
        onclick: () => toggle(r.emoji),
      },
      h("span", { class: "reaction-emoji" }, r.emoji),
      h("span", { class: "reaction-count" }, String(r.count)),
    );
  });
  return h("div", { class: "reactions", role: "group", "aria-label": "Reactions" }, buttons);
}

/** The "add a reaction" button of a message's actions, with its picker. */
export function reactionPicker(m: Message, actions: Actions): HTMLElement {
  const toggle = (emoji: string) => actions.react(m.chat_id, m.id, emoji);
  const id = `react-any-${m.id}`;
  const open = h(
    "button",
    {
      type: "button",
      class: "small link add-reaction",
      "aria-label": "Add a reaction",
      title: "Add a reaction",
      "aria-expanded": String(pickerFor === m.id),
    },
    "React",
  );
  const any = h("input", { id, class: "any-emoji", maxlength: 32, placeholder: "any", autocomplete: "off" });
  const panel = h(
    "div",
    { class: "emoji-picker", role: "group", "aria-label": "Pick a reaction", hidden: pickerFor !== m.id },
    COMMON.map((e) =>
      h("button", { type: "button", class: "pick", "aria-label": `React ${e}`, onclick: () => choose(e) }, e),
    ),
    h("label", { for: id, class: "visually-hidden" }, "Any emoji"),
    any,
    h("button", { type: "button", class: "small", onclick: () => chooseTyped() }, "Add"),
  );
  const show = (on: boolean) => {
    pickerFor = on ? m.id : undefined;
    panel.hidden = !on;
    open.setAttribute("aria-expanded", String(on));
    if (on) (panel.querySelector("button.pick") as HTMLButtonElement | null)?.focus();
  };
  const choose = (e: string) => {
    show(false);
    open.focus();
    toggle(e);
  };
  const chooseTyped = () => {
    const e = any.value.trim();
    if (e) choose(e);
  };
  open.onclick = () => show(panel.hidden !== false);
  any.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      chooseTyped();
    }
  });
  panel.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      show(false);
      open.focus();
    }
  });
  return h("span", { class: "picker-wrap" }, open, panel);
}
