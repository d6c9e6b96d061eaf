/**
 * Notifications on this device: the Settings switch (asks the browser's permission on the click,
 * never on load) with what stands in the way, and the one-time offer above the chats.
 */
import { h, setText } from "../dom.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";

const OFF_KEY = (id: number) => `chat.notify.${id}`;

export class NotifySettings {
  readonly el: HTMLElement;
  private readonly toggle = h("input", { type: "checkbox", id: "settings-notify", role: "switch" });
  private readonly status = h("p", { class: "muted", id: "settings-notify-status", "aria-live": "polite" });

  constructor(
    private readonly store: Store,
    actions: Actions,
  ) {
    this.toggle.setAttribute("aria-describedby", "settings-notify-status");
    this.toggle.addEventListener("change", () => {
      if (this.toggle.checked) void actions.enableNotifications();
      else actions.disableNotifications();
    });
    this.el = h(
      "section",
      { class: "account-form settings-notify", "aria-labelledby": "settings-notify-title" },
      h("h2", { id: "settings-notify-title" }, "Notifications"),
      h(
        "div",
        { class: "field switch" },
        this.toggle,
        h("label", { for: "settings-notify" }, "Notify me of new messages on this device"),
      ),
      this.status,
    );
  }

  update(): void {
    const a = this.store.alerts;
    const off = localStorage.getItem(OFF_KEY(this.store.me.id)) === "off";
    this.toggle.checked = a.permission === "granted" && !off;
    this.toggle.disabled = a.permission === "denied" || a.permission === "unsupported" || a.push === "busy";
    setText(
      this.status,
      a.permission === "unsupported"
        ? "This browser cannot show notifications."
        : a.permission === "denied"
          ? "Notifications are blocked for this site: allow them in the browser's site settings."
          : !this.toggle.checked
            ? "Off: no notifications on this device."
            : a.push === "on"
              ? "On, also when no tab of the chat is open (muted chats only for @mentions)."
              : "On while a tab of the chat is open (muted chats only for @mentions).",
    );
  }
}

/** "Get notified of new messages?" once, until turned on or dismissed. */
export class NotifyOffer {
  readonly el: HTMLElement;

  constructor(
    private readonly store: Store,
    actions: Actions,
  ) {
    this.el = h(
      "div",
      { class: "notify-offer", role: "region", "aria-label": "Notifications", hidden: true },
      h("span", null, "Get a notification when a message arrives while this tab is in the background?"),
      h(
        "button",
        { type: "button", class: "small primary", onclick: () => void actions.enableNotifications() },
        "Turn on",
      ),
      h(
        "button",
        { type: "button", class: "small link", onclick: () => actions.dismissNotifyOffer() },
        "Not now",
      ),
    );
  }

  update(): void {
    this.el.hidden = !this.store.alerts.offer || this.store.page !== "chats";
  }
}
