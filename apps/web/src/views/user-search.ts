/** A labelled search box that lists people as you type and offers one action per person. */
import { h, setChildren } from "../dom.ts";
import type { PublicUser } from "../logic/types.ts";

let n = 0;

export function userSearch(opts: {
  label: string;
  search: (q: string) => Promise<PublicUser[]>;
  actionLabel: (u: PublicUser) => string;
  onPick: (u: PublicUser) => void;
  exclude?: () => Set<number>;
  /** What an excluded person found is called (rather than "Nobody found"). @default "already added" */
  excludedLabel?: string;
}): { el: HTMLElement; input: HTMLInputElement; clear(): void } {
  const id = `user-search-${++n}`;
  const input = h("input", { id, type: "search", autocomplete: "off", placeholder: "Name or email" });
  const results = h("ul", { class: "search-results", "aria-live": "polite" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  const run = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) return setChildren(results);
    try {
      const users = await opts.search(q);
      if (mine !== seq) return; // a newer query answered first
      const skip = opts.exclude?.() ?? new Set<number>();
      setChildren(
        results,
        users.length === 0
          ? h("li", { class: "muted" }, "Nobody found")
          : users.map((u) =>
              h(
                "li",
                null,
                h("span", { class: "name" }, u.name),
                skip.has(u.id)
                  ? h("span", { class: "muted" }, opts.excludedLabel ?? "already added")
                  : h("button", { type: "button", onclick: () => opts.onPick(u) }, opts.actionLabel(u)),
              ),
            ),
      );
    } catch {
      if (mine === seq) setChildren(results, h("li", { class: "muted" }, "Search failed"));
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), 200);
  });
  const el = h("div", { class: "user-search" }, h("label", { for: id }, opts.label), input, results);
  return {
    el,
    input,
    clear() {
      input.value = "";
      setChildren(results);
    },
  };
}
