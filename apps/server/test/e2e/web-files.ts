/**
 * How a person puts files into the chat page, for the browser tests (issue 16): paste an image
 * from the clipboard (the real clipboard and Ctrl+V), drop files on the conversation (the drag
 * events a file manager's drop makes), or pick them with the attach button.
 */
import type { ChatPage } from "./web-pages.ts";

export interface PageFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Puts an image on the clipboard and presses Ctrl+V in the composer. */
export async function pasteImage(p: ChatPage, png: Buffer): Promise<void> {
  await p.context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await p.composer.focus();
  await p.page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    await navigator.clipboard.write([
      new ClipboardItem({ "image/png": new Blob([bytes], { type: "image/png" }) }),
    ]);
  }, png.toString("base64"));
  await p.composer.press("ControlOrMeta+V");
}

/** Drags files over the conversation and drops them there. */
export async function dropFiles(p: ChatPage, files: PageFile[]): Promise<void> {
  const data = await p.page.evaluateHandle(
    (list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: f.mimeType }));
      }
      return dt;
    },
    files.map((f) => ({ name: f.name, mimeType: f.mimeType, b64: f.buffer.toString("base64") })),
  );
  const target = p.page.locator(".conversation-body");
  await target.dispatchEvent("dragenter", { dataTransfer: data });
  await target.dispatchEvent("dragover", { dataTransfer: data });
  await target.dispatchEvent("drop", { dataTransfer: data });
  await data.dispose();
}

/** Picks files with the attach button's file chooser. */
export async function attachFiles(p: ChatPage, files: PageFile[]): Promise<void> {
  const chooser = p.page.waitForEvent("filechooser");
  await p.page.getByRole("button", { name: "Attach files" }).click();
  await (await chooser).setFiles(files);
}

/** A small valid PDF (file-type knows it by its `%PDF-` start). */
export function tinyPdf(text = "Quarterly report"): Buffer {
  const body = [
    "%PDF-1.4",
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
    "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >> endobj",
    `% ${text}`,
    "trailer << /Root 1 0 R >>",
    "%%EOF",
  ].join("\n");
  return Buffer.from(body);
}
