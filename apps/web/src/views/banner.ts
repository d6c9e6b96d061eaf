/** The connection banner: hidden while online, says so when offline or reconnecting. */
import { h, setText } from "../dom.ts";
import type { Store } from "../store.ts";

export class Banner {
  readonly el = h("div", { class: "banner", role: "status", "aria-live": "polite", hidden: true });

  update(s: Store): void {
    const text =
      s.connection === "online"
        ? ""
        : s.connection === "offline"
          ? "You are offline. Messages will be sent when the connection is back."
          : s.connection === "connecting"
            ? "Connecting…"
            : `Connection lost. Reconnecting…${s.reconnectAttempt > 1 ? ` (attempt ${s.reconnectAttempt})` : ""}`;
    setText(this.el, text);
    this.el.hidden = text === "";
    this.el.dataset.state = s.connection;
  }
}
