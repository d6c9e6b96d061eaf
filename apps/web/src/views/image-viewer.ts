/**
 * An image at full size in a modal `<dialog>`: it takes the focus (its Close button), Escape or
 * Close or a tap beside the image closes it, and the focus goes back to the thumbnail that opened
 * it. On a phone it fills the screen and the image fits in it.
 */
import { h } from "../dom.ts";
import { formatSize } from "../logic/uploads.ts";
import type { Attachment } from "../logic/types.ts";
import type { Actions } from "./actions.ts";

export function openImageViewer(att: Attachment, actions: Actions, opener: HTMLElement): void {
  const img = h("img", { class: "viewer-image", alt: att.name });
  if (att.width && att.height) {
    img.width = att.width;
    img.height = att.height;
  }
  const status = h("p", { class: "viewer-status", role: "status" }, "Loading…");
  const close = h("button", { type: "button", class: "small", "aria-label": "Close image" }, "Close");
  const dialog = h(
    "dialog",
    { class: "viewer", "aria-label": att.name },
    h(
      "div",
      { class: "viewer-bar" },
      h("span", { class: "viewer-name" }, att.name),
      h("span", { class: "viewer-size" }, formatSize(att.size)),
      h("button", { type: "button", class: "small", onclick: () => void actions.download(att) }, "Download"),
      close,
    ),
    h("div", { class: "viewer-frame" }, img, status),
  );
  const shut = () => dialog.close();
  close.addEventListener("click", shut);
  // A click on the dimmed frame around the picture, not on it.
  dialog.addEventListener("click", (ev) => {
    const t = ev.target as HTMLElement;
    if (t === dialog || t.classList.contains("viewer-frame")) shut();
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    // An encrypted chat's image was decrypted into a blob: URL: its bytes go with the viewer.
    if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    // The message may have been redrawn meanwhile (a receipt): then its new thumbnail takes the focus.
    const back = opener.isConnected
      ? opener
      : document.querySelector<HTMLElement>(`.thumb[data-attachment-id="${CSS.escape(att.id)}"]`);
    back?.focus();
  });
  let retried = false;
  img.addEventListener("load", () => status.remove());
  img.addEventListener("error", () => {
    if (retried) return void (status.textContent = "The image could not be loaded.");
    retried = true;
    void actions.fileLink(att.id, "original", true).then(
      (url) => (img.src = url),
      () => undefined,
    );
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  close.focus();
  actions.fileLink(att.id, "original").then(
    (url) => (img.src = url),
    (err: unknown) =>
      (status.textContent =
        (err as Error)?.name === "FileDecryptError"
          ? "This image could not be decrypted on this device."
          : "The image is not available."),
  );
}
