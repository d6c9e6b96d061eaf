import { describe, expect, it } from "vitest";
import { Outbox, type KeyValueStore } from "../src/logic/outbox.ts";
import type { PendingSend } from "../src/logic/timeline.ts";

class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

const send = (clientId: string, text = "hi"): PendingSend => ({
  chatId: 3,
  clientId,
  text,
  createdAt: "2026-11-25T12:00:00.000Z",
  state: "pending",
});

describe("Outbox", () => {
  it("keeps unsent messages across a reload, to be retried with the same client_id", () => {
    const store = new MemoryStore();
    const a = new Outbox(store, "k");
    a.add(send("c1", "one"));
    a.add(send("c2", "two"));
    a.remove("c1");
    const after = new Outbox(store, "k");
    expect(after.all().map((e) => [e.clientId, e.text, e.state])).toEqual([["c2", "two", "failed"]]);
    expect(after.failed()).toHaveLength(1);
    expect(after.update("c2", { state: "pending" })?.error).toBeUndefined();
    after.remove("c2");
    expect(store.data.has("k")).toBe(false);
  });

  it("records why a send failed, and forgets it when it is retried", () => {
    const o = new Outbox(new MemoryStore(), "k");
    o.add(send("c1"));
    o.update("c1", { state: "failed", error: "offline" });
    expect(o.get("c1")).toMatchObject({ state: "failed", error: "offline" });
    o.update("c1", { state: "pending" });
    expect(o.get("c1")?.error).toBeUndefined();
    expect(o.update("nope", { state: "pending" })).toBeUndefined();
  });

  it("does not erase another tab's sends stored under the same key", () => {
    const store = new MemoryStore();
    const tab1 = new Outbox(store, "k");
    const tab2 = new Outbox(store, "k");
    tab1.add(send("from-1"));
    tab2.add(send("from-2"));
    tab2.remove("from-2");
    expect(new Outbox(store, "k").all().map((e) => e.clientId)).toEqual(["from-1"]);
  });

  it("survives unreadable storage and works without any", () => {
    const store = new MemoryStore();
    store.setItem("k", "{not json");
    expect(new Outbox(store, "k").all()).toEqual([]);
    store.setItem("k", JSON.stringify([{ chatId: "x" }, send("ok")]));
    expect(new Outbox(store, "k").all().map((e) => e.clientId)).toEqual(["ok"]);
    const none = new Outbox(undefined, "k");
    none.add(send("c1"));
    expect(none.all()).toHaveLength(1);
  });
});
