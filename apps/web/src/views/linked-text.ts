/** A message's text with its http(s) addresses as links that open in a new tab; never HTML. */
import { h } from "../dom.ts";
import { linkify } from "../logic/linkify.ts";

export function linkedText(text: string): (string | HTMLAnchorElement)[] {
  return linkify(text).map((r) =>
    r.kind === "text"
      ? r.text
      : h("a", { href: r.href, target: "_blank", rel: "noopener noreferrer" }, r.text),
  );
}
