import { describe, expect, it } from "vitest";
import { Drafts } from "../src/logic/drafts.ts";

const memory = () => {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
};

describe("drafts", () => {
  it("keeps what was typed per chat across instances (a reload, a new login)", () => {
    const store = memory();
    const a = new Drafts(store, "chat.drafts.7");
    a.set(1, "half a sentence");
    a.set(2, "other chat");
    const b = new Drafts(store, "chat.drafts.7");
    expect(b.get(1)).toBe("half a sentence");
    expect(b.get(2)).toBe("other chat");
    expect(b.get(3)).toBe("");
    expect(new Drafts(store, "chat.drafts.8").get(1)).toBe(""); // another user's
  });

  it("forgets a chat's draft when it is emptied (sent), and the key when none is left", () => {
    const store = memory();
    const d = new Drafts(store, "k");
    d.set(1, "x");
    d.set(1, "   ");
    expect(d.get(1)).toBe("");
    expect(store.data.has("k")).toBe(false);
  });

  it("reads unreadable storage as no drafts", () => {
    const store = memory();
    store.setItem("k", "{not json");
    expect(new Drafts(store, "k").get(1)).toBe("");
  });
});
