import { describe, expect, it } from "vitest";
import { Timeline, type PendingSend } from "../src/logic/timeline.ts";
import { ME, msg } from "./fixtures.ts";

const pending = (clientId: string, over: Partial<PendingSend> = {}): PendingSend => ({
  chatId: 7,
  clientId,
  text: "hi",
  createdAt: "2026-11-25T12:00:00.000Z",
  state: "pending",
  ...over,
});

const texts = (t: Timeline) =>
  t.items().map((i) => (i.kind === "message" ? i.message.text : `(${i.send.text})`));

describe("Timeline", () => {
  it("orders by seq and keeps each seq once, whichever way copies arrive", () => {
    const t = new Timeline(ME);
    expect(t.upsert([msg(3), msg(1)])).toBe(true);
    expect(t.upsert([msg(2), msg(3), msg(1)])).toBe(true);
    expect(t.upsert([msg(2)])).toBe(false); // nothing new: no re-render needed
    expect(t.messages().map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(t.newestSeq).toBe(3);
    expect(t.oldestSeq).toBe(1);
  });

  it("knows whether older history exists from the seq alone (seqs have no gaps)", () => {
    const t = new Timeline(ME);
    expect(t.hasOlder).toBe(true); // nothing loaded yet
    t.loaded = true;
    expect(t.hasOlder).toBe(false); // an empty chat
    t.upsert([msg(41), msg(42)]);
    expect(t.hasOlder).toBe(true);
    t.upsert([msg(1)]);
    expect(t.hasOlder).toBe(false);
  });

  it("replaces my pending send with the stored message carrying its client_id", () => {
    const t = new Timeline(ME);
    t.upsert([msg(1)]);
    t.addPending(pending("c-1", { text: "hello" }));
    expect(texts(t)).toEqual(["message 1", "(hello)"]);
    t.upsert([msg(2, { sender_id: ME, client_id: "c-1", text: "hello" })]);
    expect(texts(t)).toEqual(["message 1", "hello"]);
    expect(t.pendingSend("c-1")).toBeUndefined();
  });

  it("does not take someone else's message with the same client_id for mine", () => {
    const t = new Timeline(ME);
    t.addPending(pending("c-1"));
    t.upsert([msg(1, { sender_id: 2, client_id: "c-1" })]);
    expect(t.pendingSend("c-1")).toBeDefined();
  });

  it("ignores a pending send whose message is already stored (a retry after a reload)", () => {
    const t = new Timeline(ME);
    t.upsert([msg(5, { sender_id: ME, client_id: "c-9" })]);
    t.addPending(pending("c-9"));
    expect(t.items()).toHaveLength(1);
  });

  it("lets edits and deletes win over stale copies of the same seq", () => {
    const t = new Timeline(ME);
    const original = msg(1);
    const edited = msg(1, { text: "fixed", edited_at: "2026-11-25T12:05:00.000Z" });
    const deleted = msg(1, { text: "", deleted_at: "2026-11-25T12:06:00.000Z", edited_at: edited.edited_at });
    t.upsert([edited]);
    expect(t.upsert([original])).toBe(false); // a sync page fetched before the edit
    expect(t.get(1)?.text).toBe("fixed");
    t.upsert([deleted]);
    t.upsert([edited]);
    expect(t.get(1)?.deleted_at).not.toBeNull();
  });

  it("lists sends without a seq after the stored messages, oldest first", () => {
    const t = new Timeline(ME);
    t.addPending(pending("b", { text: "second", createdAt: "2026-11-25T12:00:02.000Z" }));
    t.addPending(pending("a", { text: "first", createdAt: "2026-11-25T12:00:01.000Z", state: "failed" }));
    t.upsert([msg(1)]);
    expect(texts(t)).toEqual(["message 1", "(first)", "(second)"]);
    t.removePending("a");
    expect(texts(t)).toEqual(["message 1", "(second)"]);
  });
});
