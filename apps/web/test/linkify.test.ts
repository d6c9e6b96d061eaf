import { describe, expect, it } from "vitest";
import { linkify, safeHref } from "../src/logic/linkify.ts";

describe("linkify", () => {
  it("makes http(s) and www addresses links and leaves the rest as text", () => {
    expect(linkify("see https://example.org/a?b=1 and www.x.test.")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
      { kind: "text", text: " and " },
      { kind: "link", text: "www.x.test", href: "https://www.x.test/" },
      { kind: "text", text: "." },
    ]);
  });

  it("keeps a parenthesis that belongs to the address, drops sentence punctuation", () => {
    const runs = linkify("(https://en.wikipedia.org/wiki/Foo_(bar)), ok");
    expect(runs[1]).toMatchObject({ kind: "link", text: "https://en.wikipedia.org/wiki/Foo_(bar)" });
    expect(runs[2]).toEqual({ kind: "text", text: "), ok" });
  });

  it("never links javascript:, data: or other schemes; markup stays text", () => {
    for (const t of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(document.cookie)",
      "data:text/html,<script>alert(1)</script>",
      '<img src=x onerror="alert(1)">',
      '<a href="javascript:alert(1)">x</a>',
    ])
      expect(linkify(t)).toEqual([{ kind: "text", text: t }]);
    expect(safeHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHref("http://")).toBeUndefined();
  });

  it("an address hiding a script scheme is not made a link", () => {
    expect(
      linkify("https:javascript:alert(1)").some((r) => r.kind === "link" && !r.href.startsWith("http")),
    ).toBe(false);
  });
});
