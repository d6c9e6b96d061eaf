/**
 * The files about to go with my next message, above the composer: each with its name, size, a
 * progress bar while it uploads, Cancel, and Retry or the reason when it failed.
 */
import { h, reconcile, setChildren } from "../dom.ts";
import { formatSize, percent, sendReadiness, type UploadItem } from "../logic/uploads.ts";
import type { Actions } from "./actions.ts";

const STATE_TEXT: Record<UploadItem["state"], string> = {
  asking: "Starting…",
  uploading: "Uploading",
  checking: "Checking…",
  ready: "Ready",
  failed: "Failed",
  cancelled: "Cancelled",
};

export class AttachmentTray {
  readonly el: HTMLElement;
  private readonly list = h("ul", { class: "tray-list" });
  private readonly note = h("p", { class: "tray-note", role: "status" });

  constructor(private readonly actions: Actions) {
    this.el = h("div", { class: "tray", role: "group", "aria-label": "Files to send" }, this.list, this.note);
  }

  update(items: readonly UploadItem[], waiting: boolean): void {
    this.el.hidden = items.length === 0;
    reconcile(
      this.list,
      items,
      (i) => i.key,
      () => h("li", { class: "tray-item" }),
      (li, i) => this.item(li, i),
    );
    const ready = sendReadiness(items);
    this.note.textContent =
      waiting && ready === "blocked"
        ? "Your message waits: retry or remove the files that failed."
        : waiting
          ? "Your message will be sent when every file is uploaded."
          : "";
  }

  private item(li: HTMLElement, i: UploadItem): void {
    const pc = percent(i);
    const sig = JSON.stringify([i.state, pc, i.error, i.retryable]);
    if (li.dataset.sig === sig) return;
    li.dataset.sig = sig;
    li.dataset.state = i.state;
    const busy = i.state === "asking" || i.state === "uploading" || i.state === "checking";
    setChildren(
      li,
      h(
        "div",
        { class: "tray-head" },
        h("span", { class: "file-name", title: i.file.name }, i.file.name),
        h("span", { class: "file-size" }, formatSize(i.file.size)),
        h("span", { class: "tray-state" }, i.state === "uploading" ? `${pc}%` : STATE_TEXT[i.state]),
      ),
      i.state !== "failed" &&
        h("progress", { max: 100, value: pc, "aria-label": `Upload of ${i.file.name}` }),
      i.state === "failed" && h("p", { class: "tray-error", role: "alert" }, i.error ?? "Failed"),
      h(
        "div",
        { class: "tray-actions" },
        i.state === "failed" &&
          i.retryable &&
          h(
            "button",
            {
              type: "button",
              class: "small",
              "aria-label": `Retry ${i.file.name}`,
              onclick: () => this.actions.retryUpload(i.key),
            },
            "Retry",
          ),
        h(
          "button",
          {
            type: "button",
            class: "small link",
            "aria-label": `${busy ? "Cancel" : "Remove"} ${i.file.name}`,
            onclick: () => this.actions.cancelUpload(i.key),
          },
          busy ? "Cancel" : "Remove",
        ),
      ),
    );
  }
}
