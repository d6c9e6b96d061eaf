/**
 * The files a message carries: images as thumbnails (a button that opens them at full size),
 * other files as cards with their name, size and a Download button. Links come from the
 * controller (an `<img>` cannot send the bearer token); a thumbnail whose link expired asks again.
 */
import { h } from "../dom.ts";
import { formatSize } from "../logic/uploads.ts";
import type { Attachment } from "../logic/types.ts";
import type { Actions } from "./actions.ts";
import { openImageViewer } from "./image-viewer.ts";

/** The biggest a thumbnail is drawn (CSS px); the server makes them at most 320 px. */
const THUMB_PX = 240;

function thumbnail(att: Attachment, actions: Actions): HTMLElement {
  const img = h("img", { alt: att.name, loading: "lazy", decoding: "async" });
  if (att.width && att.height) {
    // Space kept before it loads, so the conversation does not jump.
    const scale = Math.min(1, THUMB_PX / Math.max(att.width, att.height));
    img.width = Math.max(1, Math.round(att.width * scale));
    img.height = Math.max(1, Math.round(att.height * scale));
  }
  const known = actions.cachedLink(att.id, "thumbnail");
  if (known) img.src = known;
  else
    void actions.fileLink(att.id, "thumbnail").then(
      (u) => (img.src = u),
      (err: unknown) => {
        // An encrypted chat's thumbnail that does not decrypt says so instead of staying blank.
        if ((err as Error)?.name === "FileDecryptError") {
          img.alt = "🔒 This image could not be decrypted on this device";
          img.classList.add("undecryptable");
        }
      },
    );
  let retried = false;
  img.addEventListener("error", () => {
    if (retried) return;
    retried = true;
    void actions.fileLink(att.id, "thumbnail", true).then(
      (u) => (img.src = u),
      () => undefined,
    );
  });
  const btn: HTMLButtonElement = h(
    "button",
    {
      type: "button",
      class: "thumb",
      "data-attachment-id": att.id,
      "aria-label": `Open image ${att.name} at full size`,
      "aria-haspopup": "dialog",
      onclick: () => openImageViewer(att, actions, btn),
    },
    img,
  );
  return btn;
}

function fileCard(att: Attachment, actions: Actions): HTMLElement {
  const ext = att.name.includes(".") ? att.name.split(".").pop()!.slice(0, 4).toUpperCase() : "FILE";
  return h(
    "div",
    { class: "file-card" },
    h("span", { class: "file-icon", "aria-hidden": "true" }, ext),
    h(
      "span",
      { class: "file-meta" },
      h("span", { class: "file-name", title: att.name }, att.name),
      h("span", { class: "file-size" }, formatSize(att.size)),
    ),
    h(
      "button",
      {
        type: "button",
        class: "small",
        "aria-label": `Download ${att.name}`,
        onclick: () => void actions.download(att),
      },
      "Download",
    ),
  );
}

export function attachmentsBlock(
  atts: readonly Attachment[] | undefined,
  actions: Actions,
): HTMLElement | null {
  if (!atts || atts.length === 0) return null;
  return h(
    "div",
    { class: "attachments" },
    atts.map((a) => (a.thumbnail_url ? thumbnail(a, actions) : fileCard(a, actions))),
  );
}
