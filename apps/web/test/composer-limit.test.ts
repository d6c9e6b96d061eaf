import { describe, expect, it } from "vitest";
import {
  counterText,
  editTooLongText,
  MESSAGE_MAX,
  splitMessage,
  tooLongText,
} from "../src/logic/composer-limit.ts";

describe("composer limit", () => {
  it("counts only near the limit", () => {
    expect(counterText(100, "en-US")).toBeUndefined();
    expect(counterText(3812, "en-US")).toBe("3,812 / 4,000");
    expect(tooLongText(4321, "en-US")).toMatch(/4,321 characters; the limit is 4,000.*2 messages/);
    expect(editTooLongText(4321, "en-US")).toMatch(/4,321 characters; the limit is 4,000\. Shorten it/);
  });

  it("splits at word breaks, every part within the limit, nothing lost", () => {
    const words = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(" ");
    const parts = splitMessage(words);
    expect(parts.length).toBeGreaterThanOrEqual(Math.ceil(words.length / MESSAGE_MAX));
    expect(parts.length).toBeLessThanOrEqual(Math.ceil(words.length / (MESSAGE_MAX * 0.8)));
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(MESSAGE_MAX);
    expect(parts.join(" ").split(" ")).toEqual(words.split(" "));
  });

  it("never cuts a surrogate pair", () => {
    const text = "a" + "😀".repeat(2500);
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const p of splitMessage(text)) expect(p).not.toMatch(lone);
    expect(splitMessage(text).join("")).toBe(text);
  });
});
