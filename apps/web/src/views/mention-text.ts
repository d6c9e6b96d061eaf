/** A message's text with @mentions of the chat's members marked (as text nodes and spans, never HTML). */
import { h } from "../dom.ts";
import { splitMentions } from "../logic/mentions.ts";

export function textWithMentions(text: string, names: string[], me: string): Array<Node | string> {
  return splitMentions(text, names).map((part) => {
    if (!part.mention) return part.text;
    const mine = part.text.slice(1).toLocaleLowerCase() === me.trim().toLocaleLowerCase();
    return h("span", { class: mine ? "mention mention-me" : "mention" }, part.text);
  });
}
