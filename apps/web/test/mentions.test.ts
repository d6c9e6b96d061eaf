import { describe, expect, it } from "vitest";
import { isMuted, matchMembers, mentionQuery, mentions, splitMentions } from "../src/logic/mentions.ts";

describe("@mentions", () => {
  it("finds a name as a whole word, any case, with spaces as written", () => {
    expect(mentions("hi @ann, lunch?", "Ann")).toBe(true);
    expect(mentions("hi @Anna", "Ann")).toBe(false);
    expect(mentions("mail ann@ann.com", "Ann")).toBe(false);
    expect(mentions("ping @Ann Lee now", "Ann Lee")).toBe(true);
    expect(mentions("no at sign", "Ann")).toBe(false);
  });

  it("cuts a text into runs and mentions, the longest name first, never overlapping", () => {
    expect(splitMentions("@Ann Lee and @Ann: hi", ["Ann", "Ann Lee"])).toEqual([
      { text: "@Ann Lee", mention: true },
      { text: " and " },
      { text: "@Ann", mention: true },
      { text: ": hi" },
    ]);
    expect(splitMentions("<b>@Bob</b>", ["Bob"])).toEqual([
      { text: "<b>" },
      { text: "@Bob", mention: true },
      { text: "</b>" },
    ]);
    expect(splitMentions("plain", ["Bob"])).toEqual([{ text: "plain" }]);
  });

  it("knows the @word being typed at the caret, and the members it may mean", () => {
    expect(mentionQuery("hello @Al", 9)).toEqual({ start: 6, query: "Al" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("a@b", 3)).toBeUndefined();
    expect(mentionQuery("@ x", 3)).toBeUndefined();
    expect(mentionQuery("no mention", 10)).toBeUndefined();
    const people = [{ name: "Alice" }, { name: "Bob Allen" }, { name: "Carol" }];
    expect(matchMembers(people, "al").map((m) => m.name)).toEqual(["Alice", "Bob Allen"]);
    expect(matchMembers(people, "").map((m) => m.name)).toEqual(["Alice", "Bob Allen", "Carol"]);
  });

  it("a mute is on forever or until a time ahead", () => {
    expect(isMuted(null)).toBe(false);
    expect(isMuted(undefined)).toBe(false);
    expect(isMuted("forever")).toBe(true);
    expect(isMuted(new Date(2000).toISOString(), 1000)).toBe(true);
    expect(isMuted(new Date(2000).toISOString(), 3000)).toBe(false);
  });
});
