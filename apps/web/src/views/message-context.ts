/**
 * A message opened in its context, as the conversation shows it: scrolled to the middle of the
 * view and highlighted for a moment; and the row standing in the hole between its window and the
 * newest messages, which loads what is missing when it scrolls into view (or is clicked) while
 * keeping the messages on screen where they are.
 */
import { h } from "../dom.ts";
import type { GapItem } from "../logic/gaps.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";

const HIGHLIGHT_MS = 4000;
const NEAR_BOTTOM_PX = 80;

export function gapKey(g: GapItem): string {
  return `gap:${g.after}:${g.before}`;
}

const built = new WeakSet<HTMLElement>();

export function createGap(): HTMLElement {
  return h("li", { class: "gap" });
}

export function updateGap(li: HTMLElement, g: GapItem, chatId: number, actions: Actions): void {
  if (built.has(li)) return;
  built.add(li);
  const load = async () => {
    const scroller = li.closest<HTMLElement>(".scroller");
    const atBottom = scroller
      ? scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX
      : true;
    const keep = scroller && firstVisible(scroller);
    const top = keep?.getBoundingClientRect().top ?? 0;
    await actions.loadNewer(chatId, g.after);
    await new Promise((r) => requestAnimationFrame(r));
    // What was on screen stays there (the conversation keeps the bottom itself when there).
    if (scroller && keep?.isConnected && !atBottom)
      scroller.scrollTop += keep.getBoundingClientRect().top - top;
  };
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((x) => x.isIntersecting)) void load();
  });
  li.append(
    h(
      "button",
      { type: "button", class: "small link", onclick: () => void load() },
      `${g.before - g.after - 1} newer message${g.before - g.after - 1 === 1 ? "" : "s"} not loaded — load them`,
    ),
  );
  // A removed row (the hole closed) is no longer observed, and goes with its observer.
  queueMicrotask(() => observer.observe(li));
}

function firstVisible(scroller: HTMLElement): HTMLElement | undefined {
  const top = scroller.getBoundingClientRect().top;
  for (const li of scroller.querySelectorAll<HTMLElement>("li.msg"))
    if (li.getBoundingClientRect().bottom > top) return li;
  return undefined;
}

/** Scrolls to the message asked for (if this chat's and now shown) and highlights it. */
export function showJumpTarget(list: HTMLElement, s: Store, chatId: number): void {
  const j = s.jumpTo;
  if (!j || j.chatId !== chatId) return;
  const li = list.querySelector<HTMLElement>(`li.msg[data-seq="${j.seq}"]`);
  if (!li) return;
  s.jumpTo = undefined;
  li.scrollIntoView({ block: "center" });
  li.setAttribute("data-highlight", "");
  setTimeout(() => li.removeAttribute("data-highlight"), HIGHLIGHT_MS);
}
