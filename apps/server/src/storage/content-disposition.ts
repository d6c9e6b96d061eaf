/**
 * How a stored file is served (issue 16, access): only image types browsers render without
 * running anything are shown inline; everything else is a download, and types that can carry
 * script (HTML, SVG, XML, JavaScript) are labelled as opaque bytes besides.
 */

/** Served inline, with their own type. */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "image/avif",
]);

const SCRIPTABLE = /html|xml|svg|javascript|ecmascript|xhtml/i;

/** The Content-Type to serve a file of (sniffed) type `mime` with. */
export function servedType(mime: string): string {
  return SCRIPTABLE.test(mime) || !/^[\w.+-]+\/[\w.+-]+$/.test(mime) ? "application/octet-stream" : mime;
}

/** RFC 6266 / RFC 8187: `inline|attachment; filename="ascii"; filename*=UTF-8''percent-encoded`. */
export function contentDisposition(name: string, mime: string): string {
  const kind = INLINE_TYPES.has(mime) ? "inline" : "attachment";
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * A client's file name made safe to store and show: no directories (`../`, `C:\`), no control
 * or bidi-override characters, no leading dots, at most 255 characters; empty becomes "file".
 */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? "";
  const clean = base
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, "")
    .replace(/^[.\s]+/, "")
    .trim();
  return [...(clean || "file")].slice(0, 255).join("");
}
