/**
 * The rows of the message log: messages (message-item.ts), a day separator above the first
 * message of each day, a "New messages" line above the first unread one, and grouping of one
 * sender's consecutive messages (only the first shows the name).
 */
import { h, setText } from "../dom.ts";
import { daySeparators, dayKey } from "../logic/day-separators.ts";
import { groupFlags } from "../logic/grouping.ts";
import type { TimelineItem } from "../logic/timeline.ts";

export type Row =
  | { kind: "day"; day: string; label: string }
  | { kind: "unread" }
  | { kind: "item"; item: TimelineItem; grouped: boolean };

const timeOf = (it: TimelineItem) => (it.kind === "pending" ? it.send.createdAt : it.message.created_at);
const senderOf = (it: TimelineItem, me: number) =>
  it.kind === "pending"
    ? me
    : it.message.mls && it.message.mls.kind !== "application"
      ? undefined
      : it.message.sender_id;

export function conversationRows(items: readonly TimelineItem[], me: number, firstUnread?: number): Row[] {
  const days = daySeparators(items.map(timeOf));
  const unreadAt =
    firstUnread === undefined
      ? -1
      : items.findIndex(
          (it) => it.kind === "message" && it.message.seq >= firstUnread && it.message.sender_id !== me,
        );
  const grouped = groupFlags(
    items.map((it, i) => ({ sender: senderOf(it, me), at: timeOf(it), newDay: !!days[i] || i === unreadAt })),
  );
  const rows: Row[] = [];
  items.forEach((item, i) => {
    const label = days[i];
    if (label) rows.push({ kind: "day", day: dayKey(new Date(timeOf(item))), label });
    if (i === unreadAt) rows.push({ kind: "unread" });
    rows.push({ kind: "item", item, grouped: grouped[i] });
  });
  return rows;
}

export function rowKey(r: Row, itemKey: (it: TimelineItem) => string): string {
  return r.kind === "day" ? `d:${r.day}` : r.kind === "unread" ? "unread" : itemKey(r.item);
}

export function createRow(r: Row, createItem: () => HTMLElement): HTMLElement {
  if (r.kind === "day") return h("li", { class: "day-sep", role: "separator" }, h("span", null));
  if (r.kind === "unread")
    return h("li", { class: "unread-sep", role: "separator" }, h("span", null, "New messages"));
  return createItem();
}

export function updateRow(
  el: HTMLElement,
  r: Row,
  updateItem: (li: HTMLElement, it: TimelineItem) => void,
): void {
  if (r.kind === "day") {
    setText(el.firstElementChild!, r.label);
    el.setAttribute("aria-label", r.label);
  } else if (r.kind === "item") {
    updateItem(el, r.item);
    el.toggleAttribute("data-grouped", r.grouped);
  }
}
