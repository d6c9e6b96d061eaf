/** A message's text with its http(s) addresses as links that open in a new tab; never HTML. */
import { h } from "../dom.ts";
import { linkify } from "../logic/linkify.ts";

export function linkedText(
  text: string,
  /** How the text between links is shown (e.g. with @mentions marked); as plain text by default. */
  plain: (text: string) => Array<Node | string> = (t) => [t],
): Array<Node | string> {
  return linkify(text).flatMap((r) =>
    r.kind === "text"
      ? plain(r.text)
      : [h("a", { href: r.href, target: "_blank", rel: "noopener noreferrer" }, r.text)],
  );
}
