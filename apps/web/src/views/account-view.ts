/**
 * The account pages: Devices (my sessions: which device, last active, from where, this one
 * marked; sign one out, or all others; then my encryption devices) and Settings (name, password,
 * deleting the account).
 */
import { NotifySettings } from "./notify-settings.ts";
import { EncryptionDevicesView } from "./encryption-devices-view.ts";
import { deviceHint } from "../encryption/device-hint.ts";
import { h, reconcile, setText } from "../dom.ts";
import { formatTime } from "../logic/format.ts";
import { themePicker } from "./theme-picker.ts";
import type { SessionInfo } from "../logic/types.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";

/** A short name for a User-Agent: "Chrome on Linux" rather than the whole string. */
function deviceName(device: string): string {
  if (!device) return "Unknown device";
  if (!/Mozilla\//.test(device)) return device;
  const browser = /Edg\//.test(device)
    ? "Edge"
    : /Firefox\//.test(device)
      ? "Firefox"
      : /Chrome\//.test(device) || /HeadlessChrome/.test(device)
        ? "Chrome"
        : /Safari\//.test(device)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(device)
    ? "Android"
    : /iPhone|iPad/.test(device)
      ? "iOS"
      : /Windows/.test(device)
        ? "Windows"
        : /Mac OS X/.test(device)
          ? "macOS"
          : /Linux/.test(device)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}

/** A labelled input with its id. */
function field(id: string, label: string, attrs: Record<string, string | number | boolean>) {
  const input = h("input", { id, name: id, ...attrs });
  return { input, el: h("div", { class: "field" }, h("label", { for: id }, label), input) };
}

/** A form whose submit runs `act`, shows its error (role=alert) and disables the button meanwhile. */
function actionForm(
  label: string,
  children: HTMLElement[],
  button: HTMLButtonElement,
  act: () => Promise<string | undefined>,
  done: () => void = () => undefined,
) {
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "account-form", "aria-label": label }, ...children, error, button);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    button.disabled = true;
    setText(error, "");
    void act().then((err) => {
      button.disabled = false;
      if (err) setText(error, err);
      else done();
    });
  });
  return form;
}

export class AccountView {
  readonly el: HTMLElement;
  private readonly devices: HTMLElement;
  private readonly settings: HTMLElement;
  private readonly list = h("ul", { class: "devices", "aria-label": "Your devices" });
  private readonly loading = h("p", { class: "muted" }, "Loading…");
  private readonly othersBtn: HTMLButtonElement;
  private readonly nameInput: HTMLInputElement;
  private readonly notify: NotifySettings;
  private readonly e2eDevices: EncryptionDevicesView;

  constructor(
    private readonly store: Store,
    private readonly actions: Actions,
  ) {
    const back = h(
      "button",
      { type: "button", class: "link", onclick: () => actions.showPage("chats") },
      "← Back to chats",
    );
    this.othersBtn = h(
      "button",
      { type: "button", class: "danger", onclick: () => void actions.endOtherSessions() },
      "Sign out all other devices",
    );
    this.e2eDevices = new EncryptionDevicesView(store, actions, () => deviceHint(store.me.id));
    this.devices = h(
      "section",
      { class: "account-page", "aria-labelledby": "devices-title", hidden: true },
      h("h1", { id: "devices-title" }, "Devices"),
      h("p", { class: "muted" }, "Where you are signed in. Sign out a device you do not recognise."),
      this.loading,
      this.list,
      this.othersBtn,
      this.e2eDevices.el,
    );

    const name = field("settings-name", "Name", { maxlength: 100, autocomplete: "name", required: true });
    this.nameInput = name.input;
    const nameForm = actionForm(
      "Change name",
      [h("h2", null, "Name"), name.el],
      h("button", { type: "submit", class: "primary" }, "Save name"),
      () => actions.rename(name.input.value.trim()),
    );
    const current = field("settings-current", "Current password", {
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const next = field("settings-new", "New password", {
      type: "password",
      autocomplete: "new-password",
      required: true,
      minlength: 8,
    });
    const passwordForm = actionForm(
      "Change password",
      [
        h("h2", null, "Password"),
        h("p", { class: "muted" }, "Changing it signs out your other devices."),
        current.el,
        next.el,
      ],
      h("button", { type: "submit", class: "primary" }, "Change password"),
      () => actions.changePassword(current.input.value, next.input.value),
      () => {
        current.input.value = "";
        next.input.value = "";
      },
    );
    const confirm = field("settings-delete-password", "Password to confirm", {
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const deleteForm = actionForm(
      "Delete account",
      [
        h("h2", null, "Delete account"),
        h(
          "p",
          { class: "warning", id: "delete-warning" },
          "This cannot be undone. You are signed out everywhere at once; your messages stay in their chats, shown as from “Deleted user”.",
        ),
        confirm.el,
      ],
      h(
        "button",
        { type: "submit", class: "primary danger", "aria-describedby": "delete-warning" },
        "Delete my account",
      ),
      () => actions.deleteAccount(confirm.input.value),
    );
    this.notify = new NotifySettings(store, actions);
    this.settings = h(
      "section",
      { class: "account-page", "aria-labelledby": "settings-title", hidden: true },
      h("h1", { id: "settings-title" }, "Settings"),
      themePicker(),
      this.notify.el,
      nameForm,
      passwordForm,
      deleteForm,
    );
    this.el = h(
      "div",
      { class: "account" },
      h("nav", { class: "account-nav" }, back),
      this.devices,
      this.settings,
    );
  }

  update(): void {
    const s = this.store;
    this.devices.hidden = s.page !== "devices";
    const wasHidden = this.settings.hidden;
    this.settings.hidden = s.page !== "settings";
    if (wasHidden && !this.settings.hidden) this.nameInput.value = s.me.name;
    if (!this.settings.hidden) this.notify.update();
    if (s.page !== "devices") return;
    const sessions = s.sessions ?? [];
    this.loading.hidden = s.sessions !== undefined;
    this.othersBtn.hidden = !sessions.some((x) => !x.current);
    this.e2eDevices.update();
    reconcile(
      this.list,
      sessions,
      (x) => x.id,
      (x) => this.item(x),
      () => undefined,
    );
  }

  private item(x: SessionInfo): HTMLElement {
    const name = deviceName(x.device);
    return h(
      "li",
      { class: "device", "data-session": x.id, "data-current": x.current ? "true" : "false" },
      h(
        "div",
        { class: "device-main" },
        h("strong", { class: "device-name", title: x.device }, name),
        x.current ? h("span", { class: "tag" }, "This device") : null,
        h(
          "span",
          { class: "muted device-meta" },
          `Last active ${formatTime(x.last_used_at)}`,
          x.last_ip ? ` · ${x.last_ip}` : "",
        ),
      ),
      x.current
        ? null
        : h(
            "button",
            {
              type: "button",
              class: "small danger",
              "aria-label": `Sign out ${name}, last active ${formatTime(x.last_used_at)}`,
              onclick: () => void this.actions.endSession(x.id),
            },
            "Sign out",
          ),
    );
  }
}
