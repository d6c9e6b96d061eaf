import { describe, expect, it } from "vitest";
import { highlightPieces, localMatch, queryWords } from "../src/logic/highlight.ts";

describe("search snippets", () => {
  it("splits a snippet by the server's ranges into found and plain pieces", () => {
    expect(highlightPieces("the quarterly budget", [[4, 13]])).toEqual([
      { text: "the ", hit: false },
      { text: "quarterly", hit: true },
      { text: " budget", hit: false },
    ]);
    expect(highlightPieces("abc", [])).toEqual([{ text: "abc", hit: false }]);
    expect(highlightPieces("", [])).toEqual([{ text: "", hit: false }]);
  });

  it("sorts, clamps and merges ranges; empty, reversed and out-of-range ones are ignored", () => {
    expect(
      highlightPieces("abcdefgh", [
        [6, 99],
        [0, 2],
        [1, 3],
        [5, 5],
        [4, 2],
        [-5, -1],
      ]),
    ).toEqual([
      { text: "abc", hit: true },
      { text: "def", hit: false },
      { text: "gh", hit: true },
    ]);
  });

  it("HTML in a snippet stays text (the view makes text nodes of the pieces)", () => {
    const pieces = highlightPieces("<img src=x onerror=alert(1)> hi", [[29, 31]]);
    expect(pieces.map((p) => p.text).join("")).toBe("<img src=x onerror=alert(1)> hi");
  });

  it("finds every word of the query as the start of a word, in Russian and English alike", () => {
    const words = queryWords("Памятн, субб!");
    expect(words).toEqual(["памятн", "субб"]);
    const m = localMatch("Встречаемся у памятника в субботу", words)!;
    expect(m.highlights).toEqual([
      [14, 20],
      [26, 30],
    ]);
    expect(m.snippet.slice(14, 20)).toBe("памятн");
    // Inside a word is not the start of one; a missing word fails the whole match.
    expect(localMatch("Встречаемся у памятника", ["речаем"])).toBeUndefined();
    expect(localMatch("Встречаемся у памятника", ["памятн", "zzz"])).toBeUndefined();
    expect(localMatch("anything", [])).toBeUndefined();
  });

  it("a long text gives a 300-character snippet around the first word found, ranges shifted", () => {
    const text = `${"a ".repeat(400)}needle ${"b ".repeat(400)}`;
    const m = localMatch(text, ["needle"])!;
    expect(m.snippet.length).toBe(300);
    const [a, b] = m.highlights[0];
    expect(m.snippet.slice(a, b)).toBe("needle");
    // Regex characters in a word are taken literally.
    expect(localMatch("price (usd)", queryWords("usd)"))?.highlights).toEqual([[7, 10]]);
  });
});
