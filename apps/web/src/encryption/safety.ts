/**
 * The safety-number view of an encrypted chat: for each other member, the 60 digits to compare
 * in person (from the devices in the chat's MLS group), how many devices they have there, a loud
 * warning where the group and the server's lists differ, and one when their devices changed since this
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
  /** Their devices' keys as the server lists them (what "I compared it" remembers). */
  keys: string[];
  /** In the chat's group, but not a member of the chat as the server lists them. */
  notMember: boolean;
  /** Devices in the group whose keys the server does not list for them. */
  unlisted: number;
  /** Listed devices not in the group yet (a new device joins on its first visit). */
  notJoined: number;
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
        h(
          "div",
          { class: "safety-name" },
          `${r.name} · ${r.devices} device${r.devices === 1 ? "" : "s"} in this chat`,
        ),
        h("code", { class: "safety-number" }, r.number),
        (r.notMember || r.unlisted > 0) &&
          h(
            "div",
            { class: "key-change", role: "alert" },
            h(
              "strong",
              {},
              r.notMember
                ? `⚠ ${r.name} is in this chat's encryption group but not one of its members.`
                : `⚠ ${r.unlisted} device${r.unlisted === 1 ? "" : "s"} of ${r.name} in this chat ${r.unlisted === 1 ? "is" : "are"} not in ${r.name}'s device list.`,
            ),
            " They can read this chat. Do not trust it until you have checked with them in person.",
          ),
        r.notJoined > 0 &&
          h(
            "p",
            { class: "hint" },
            `${r.notJoined} more device${r.notJoined === 1 ? "" : "s"} of ${r.name} will join when opened.`,
          ),
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
