/**
 * The safety-number view of an encrypted chat: for each other member, the 60 digits to compare
 * in person, how many devices they have, and a loud warning when their devices changed since this
 * device last looked (packages/client's `keyChange`), with a button for "I compared it again".
 */
import { lockIcon } from "../views/lock-icon.ts";
import type { keyChange } from "@chat/client";
import { h } from "../dom.ts";
import type { Actions } from "../views/actions.ts";

export interface SafetyRow {
  userId: number;
  name: string;
  /** Formatted: twelve groups of five digits. */
  number: string;
  devices: number;
  change: ReturnType<typeof keyChange>;
  keys: string[];
}

export interface SafetyView {
  chatId: number;
  rows: SafetyRow[];
}

export function safetyPanel(view: SafetyView, actions: Actions): HTMLElement {
  return h(
    "section",
    { class: "panel safety", "aria-label": "Safety numbers" },
    h(
      "div",
      { class: "safety-head" },
      h("h3", {}, lockIcon(), "Safety numbers"),
      h("button", { type: "button", class: "small", onclick: () => actions.closeSafetyNumbers() }, "Close"),
    ),
    h(
      "p",
      { class: "hint" },
      "Compare these numbers with each person, in person or on a call. If they match, nobody — not even the server — has slipped a device into your conversation.",
    ),
    ...view.rows.map((r) =>
      h(
        "div",
        {
          class: `safety-row ${r.change.status === "changed" ? "changed" : ""}`,
          "data-user-id": String(r.userId),
        },
        h("div", { class: "safety-name" }, `${r.name} · ${r.devices} device${r.devices === 1 ? "" : "s"}`),
        h("code", { class: "safety-number" }, r.number),
        r.change.status === "changed" &&
          h(
            "div",
            { class: "key-change", role: "alert" },
            h(
              "strong",
              {},
              `⚠ ${r.name}'s devices changed since you last checked (${r.change.added.length} added, ${r.change.removed.length} removed).`,
            ),
            " The safety number is different. Compare it again before you trust this chat.",
            h(
              "button",
              { type: "button", class: "small", onclick: () => actions.acceptKeys(r.userId) },
              "I compared it",
            ),
          ),
      ),
    ),
  );
}
