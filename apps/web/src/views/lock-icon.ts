/**
 * The padlock of encrypted chats, drawn inline: an emoji (🔒) shows as an empty box where no
 * emoji font is installed (Debian's Chromium without fonts-noto-color-emoji, for one).
 */
const NS = "http://www.w3.org/2000/svg";

/**
 * A padlock in the text's size and colour. With a `label` it is an image of that name (read by
 * screen readers); without, decoration next to words that say it already.
 */
export function lockIcon(label?: string): SVGSVGElement {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "lock-icon");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "1em");
  svg.setAttribute("height", "1em");
  svg.setAttribute("focusable", "false");
  if (label) {
    svg.setAttribute("role", "img");
    // A name, not a <title>: a title's text would join the element's text (the chat's title).
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  const shackle = document.createElementNS(NS, "path");
  shackle.setAttribute("d", "M4.5 7V5a3.5 3.5 0 0 1 7 0v2");
  shackle.setAttribute("fill", "none");
  shackle.setAttribute("stroke", "currentColor");
  shackle.setAttribute("stroke-width", "1.6");
  const body = document.createElementNS(NS, "rect");
  for (const [k, v] of Object.entries({ x: "2.5", y: "7", width: "11", height: "8", rx: "1.5" }))
    body.setAttribute(k, v);
  body.setAttribute("fill", "currentColor");
  svg.append(shackle, body);
  return svg;
}

const shown = new WeakMap<Element, string>();

/** An element's content: the text, after a labelled padlock when `locked`; rebuilt only on change. */
export function setLockedText(el: Element, locked: boolean | undefined, text: string): void {
  const key = `${locked ? 1 : 0}${text}`;
  if (shown.get(el) === key) return;
  shown.set(el, key);
  el.replaceChildren(...(locked ? [lockIcon("End-to-end encrypted")] : []), text);
}
