/**
 * The rows of the message log: messages (message-item.ts), a day separator above the first
 * message of each day, a "New messages" line above the first unread one, and grouping of one
 * sender's consecutive messages (only the first shows the name); a "load newer" row in a hole of
 * the loaded history (a message opened in its context: logic/gaps.ts, message-context.ts).
 */
import { h, setText } from "../dom.ts";
import { daySeparators, dayKey } from "../logic/day-separators.ts";
import { groupFlags } from "../logic/grouping.ts";
import { withGaps, type GapItem } from "../logic/gaps.ts";
import type { TimelineItem } from "../logic/timeline.ts";
import { unreadLineAt } from "../logic/unread-line.ts";
import { gapKey } from "./message-context.ts";

export type Row =
  | { kind: "day"; day: string; label: string }
  | { kind: "unread" }
  | { kind: "gap"; gap: GapItem }
  | { kind: "item"; item: TimelineItem; grouped: boolean };

const timeOf = (it: TimelineItem) => (it.kind === "pending" ? it.send.createdAt : it.message.created_at);
const senderOf = (it: TimelineItem, me: number) =>
  it.kind === "pending"
    ? me
    : it.message.mls && it.message.mls.kind !== "application"
      ? undefined
      : it.message.sender_id;

export function conversationRows(
  items: readonly TimelineItem[],
  me: number,
  firstUnread: number | undefined,
  hasOlder: boolean,
): Row[] {
  const days = daySeparators(items.map(timeOf));
  const unreadAt = unreadLineAt(items, me, firstUnread, hasOlder);
  const grouped = groupFlags(
    items.map((it, i) => ({ sender: senderOf(it, me), at: timeOf(it), newDay: !!days[i] || i === unreadAt })),
  );
  const gapBefore = new Map<TimelineItem, GapItem>();
  let gap: GapItem | undefined;
  for (const v of withGaps(items)) {
    if (v.kind === "gap") gap = v;
    else if (gap) {
      gapBefore.set(v, gap);
      gap = undefined;
    }
  }
  const rows: Row[] = [];
  items.forEach((item, i) => {
    const hole = gapBefore.get(item);
    if (hole) rows.push({ kind: "gap", gap: hole });
    const label = days[i];
    if (label) rows.push({ kind: "day", day: dayKey(new Date(timeOf(item))), label });
    if (i === unreadAt) rows.push({ kind: "unread" });
    rows.push({ kind: "item", item, grouped: grouped[i] });
  });
  return rows;
}

export function rowKey(r: Row, itemKey: (it: TimelineItem) => string): string {
  if (r.kind === "gap") return gapKey(r.gap);
  return r.kind === "day" ? `d:${r.day}` : r.kind === "unread" ? "unread" : itemKey(r.item);
}

export function createRow(r: Row, createItem: () => HTMLElement, createGap: () => HTMLElement): HTMLElement {
  if (r.kind === "gap") return createGap();
  if (r.kind === "day") return h("li", { class: "day-sep", role: "separator" }, h("span", null));
  if (r.kind === "unread")
    return h("li", { class: "unread-sep", role: "separator" }, h("span", null, "New messages"));
  return createItem();
}

export function updateRow(
  el: HTMLElement,
  r: Row,
  updateItem: (li: HTMLElement, it: TimelineItem) => void,
  updateGap: (li: HTMLElement, g: GapItem) => void,
): void {
  if (r.kind === "gap") updateGap(el, r.gap);
  if (r.kind === "day") {
    setText(el.firstElementChild!, r.label);
    el.setAttribute("aria-label", r.label);
  } else if (r.kind === "item") {
    updateItem(el, r.item);
    el.toggleAttribute("data-grouped", r.grouped);
  }
}
