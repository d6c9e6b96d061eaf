/**
 * What an encrypted chat shows above its messages when its group changed in a way to check
 * (issue 17), without anyone opening the safety numbers: a contact's devices changed since this
 * device first saw them ("compare safety numbers"), or this device refused a commit that brought
 * in a device the chat's lists do not have (it reads nothing after it).
 */
import type { RefusalReason } from "@chat/client";
import { h } from "../dom.ts";
import type { Actions } from "../views/actions.ts";

export type GroupAlert =
  | { kind: "devices_changed"; userId: number; name: string }
  | { kind: "refused"; reason: RefusalReason; userId?: number; name?: string };

const refusedText: Record<RefusalReason, (name: string) => string> = {
  not_member: (name) => `a device of ${name}, who is not a member of this chat`,
  unknown_key: (name) => `a device of ${name} that is not in ${name}'s device list`,
  bad_identity: () => "a device with no valid identity",
};

/** The banner rows of a chat's alerts (none: nothing). */
export function groupAlerts(alerts: readonly GroupAlert[], actions: Actions): HTMLElement[] {
  return alerts.map((a) =>
    a.kind === "devices_changed"
      ? h(
          "div",
          { class: "key-change group-alert", role: "alert", "data-user-id": String(a.userId) },
          h("strong", {}, `⚠ ${a.name}'s devices changed — compare safety numbers.`),
          h(
            "button",
            { type: "button", class: "small", onclick: () => actions.showSafetyNumbers() },
            "Compare",
          ),
        )
      : h(
          "div",
          { class: "key-change group-alert", role: "alert" },
          h(
            "strong",
            {},
            `⚠ This device refused a change to this chat: it would have let in ${refusedText[a.reason](a.name ?? "someone")}.`,
          ),
          " Messages sent after it cannot be read here. Someone may be trying to listen in: tell the others in person.",
        ),
  );
}
