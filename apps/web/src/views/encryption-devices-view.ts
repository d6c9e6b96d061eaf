/**
 * The encryption devices section of the Devices page (issue 17): my MLS devices, this browser's
 * marked; rename one in place, or remove another (after a confirmation: it is taken out of every
 * encrypted chat, and a lost device can no longer read what comes next).
 */
import { h, reconcile, setText } from "../dom.ts";
import { formatTime } from "../logic/format.ts";
import type { EncryptionDevice } from "../logic/types.ts";
import type { Store } from "../store.ts";
import type { Actions } from "./actions.ts";

export class EncryptionDevicesView {
  readonly el: HTMLElement;
  private readonly list = h("ul", { class: "e2e-devices", "aria-label": "Your encryption devices" });
  private readonly loading = h("p", { class: "muted" }, "Loading…");
  /** The device whose name is being edited, or whose removal waits for its confirmation. */
  private editing: string | undefined;
  private confirming: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly actions: Actions,
    /** This browser's device id, if it has one. */
    private readonly mine: () => string | undefined,
  ) {
    this.el = h(
      "section",
      { class: "encryption-devices", "aria-labelledby": "e2e-devices-title" },
      h("h2", { id: "e2e-devices-title" }, "Encryption devices"),
      h(
        "p",
        { class: "muted" },
        "Each browser or app that reads your encrypted chats has its own keys. Remove one you lost: it is taken out of every encrypted chat. Sign its session out above too.",
      ),
      this.loading,
      this.list,
    );
  }

  update(): void {
    const devices = this.store.encryptionDevices;
    this.loading.hidden = devices !== undefined;
    // Redrawn whole: a handful of rows, and a row's state (editing, confirming) changes its shape.
    reconcile(
      this.list,
      devices ?? [],
      (d) => [d.id, d.name, this.mine(), this.editing === d.id, this.confirming === d.id].join(":"),
      (d) => this.item(d),
      () => undefined,
    );
  }

  private redraw(editing: string | undefined, confirming: string | undefined) {
    this.editing = editing;
    this.confirming = confirming;
    this.update();
  }

  private item(d: EncryptionDevice): HTMLElement {
    const current = d.id === this.mine();
    const since = `Added ${formatTime(d.created_at)}`;
    const main =
      this.editing === d.id
        ? this.renameForm(d)
        : h(
            "div",
            { class: "device-main" },
            h("strong", { class: "device-name" }, d.name),
            current ? h("span", { class: "tag" }, "This browser") : null,
            h("span", { class: "muted device-meta" }, since),
          );
    const buttons =
      this.editing === d.id
        ? []
        : this.confirming === d.id
          ? [
              h(
                "button",
                {
                  type: "button",
                  class: "small danger",
                  onclick: () => {
                    this.confirming = undefined;
                    void this.actions.removeEncryptionDevice(d.id);
                  },
                },
                `Remove ${d.name} for good`,
              ),
              h(
                "button",
                { type: "button", class: "small", onclick: () => this.redraw(undefined, undefined) },
                "Keep",
              ),
            ]
          : [
              h(
                "button",
                {
                  type: "button",
                  class: "small",
                  "aria-label": `Rename ${d.name}, ${since.toLowerCase()}`,
                  onclick: () => this.redraw(d.id, undefined),
                },
                "Rename",
              ),
              current
                ? null
                : h(
                    "button",
                    {
                      type: "button",
                      class: "small danger",
                      "aria-label": `Remove ${d.name}, ${since.toLowerCase()}`,
                      onclick: () => this.redraw(undefined, d.id),
                    },
                    "Remove",
                  ),
            ];
    return h(
      "li",
      { class: "device", "data-e2e-device": d.id, "data-this-browser": current ? "true" : "false" },
      main,
      h("div", { class: "device-actions" }, ...buttons),
    );
  }

  private renameForm(d: EncryptionDevice): HTMLElement {
    const input = h("input", {
      "aria-label": "Device name",
      value: d.name,
      maxlength: 100,
      required: true,
    });
    const error = h("span", { class: "form-error", role: "alert" });
    const form = h(
      "form",
      { class: "device-main rename-device", "aria-label": `Rename ${d.name}` },
      input,
      h("button", { type: "submit", class: "small primary" }, "Save"),
      h(
        "button",
        { type: "button", class: "small", onclick: () => this.redraw(undefined, undefined) },
        "Cancel",
      ),
      error,
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.actions.renameEncryptionDevice(d.id, input.value.trim()).then((err) => {
        if (err) setText(error, err);
        else this.redraw(undefined, undefined);
      });
    });
    queueMicrotask(() => input.focus());
    return form;
  }
}
