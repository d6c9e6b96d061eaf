import { describe, expect, it } from "vitest";
import {
  applyMessage,
  applyMyCursor,
  chatTitle,
  mergeSummary,
  previewText,
  sortChats,
} from "../src/logic/chat-list.ts";
import { ME, msg, summary } from "./fixtures.ts";

describe("chat list", () => {
  it("orders by latest activity, newest first", () => {
    const a = summary({ id: 1, activity_at: "2026-11-25T10:00:00.000Z" });
    const b = summary({ id: 2, activity_at: "2026-11-25T11:00:00.000Z" });
    const c = summary({ id: 3, activity_at: "2026-11-25T10:00:00.000Z" });
    expect(sortChats([a, b, c]).map((x) => x.id)).toEqual([2, 3, 1]);
  });

  it("titles a group by name and a private chat by the other person", () => {
    expect(chatTitle(summary())).toBe("Bob");
    expect(chatTitle(summary({ type: "group", name: "Team", peer: null }))).toBe("Team");
    expect(chatTitle(summary({ peer: null }))).toBe("Private chat");
  });

  it("previews the last message with its author, flattening new lines", () => {
    const name = (id: number) => (id === 2 ? "Bob" : "?");
    expect(previewText(null, ME, name)).toBe("No messages yet");
    expect(previewText(msg(1, { text: "a\n  b" }), ME, name)).toBe("Bob: a b");
    expect(previewText(msg(1, { sender_id: ME }), ME, name)).toBe("You: message 1");
    expect(previewText(msg(1, { deleted_at: "2026-11-25T12:00:00.000Z" }), ME, name)).toBe(
      "Bob: Message deleted",
    );
  });

  it("counts a message from someone else as unread once, unless I am reading the chat", () => {
    const c = summary();
    applyMessage(c, msg(1), ME, false);
    applyMessage(c, msg(1), ME, false); // the same seq again (sync after a live copy)
    expect(c.unread_count).toBe(1);
    expect(c.last_seq).toBe(1);
    expect(c.last_message?.seq).toBe(1);
    expect(c.activity_at).toBe(msg(1).created_at);
    applyMessage(c, msg(2, { sender_id: ME }), ME, false); // mine
    applyMessage(c, msg(3), ME, true); // read as it arrives
    expect(c.unread_count).toBe(1);
    expect(c.last_message?.seq).toBe(3);
  });

  it("does not count what a freshly fetched summary already counted", () => {
    const c = summary({ last_seq: 5, unread_count: 2, last_read_seq: 3 });
    applyMessage(c, msg(5), ME, false);
    expect(c.unread_count).toBe(2);
  });

  it("clears unread when my cursor (from any tab or device) reaches the last message", () => {
    const c = summary({ last_seq: 6, unread_count: 3, last_read_seq: 3 });
    expect(applyMyCursor(c, 2)).toBe("unchanged");
    expect(applyMyCursor(c, 5)).toBe("unknown"); // one left: only the server can count it
    expect(c.last_read_seq).toBe(5);
    expect(applyMyCursor(c, 6)).toBe("cleared");
    expect(c.unread_count).toBe(0);
  });

  it("merges a fetched summary without losing a message that arrived meanwhile", () => {
    const local = summary({ last_seq: 8, last_message: msg(8), unread_count: 4, last_read_seq: 4 });
    const stale = summary({
      last_seq: 7,
      last_message: msg(7),
      unread_count: 3,
      last_read_seq: 4,
      members_count: 3,
    });
    const merged = mergeSummary(local, stale);
    expect(merged.last_seq).toBe(8);
    expect(merged.last_message?.seq).toBe(8);
    expect(merged.unread_count).toBe(4);
    expect(merged.members_count).toBe(3); // other fields come from the server
    const fresh = summary({ last_seq: 9, last_message: msg(9), unread_count: 5, last_read_seq: 4 });
    expect(mergeSummary(local, fresh).last_seq).toBe(9);
    const readHere = summary({ last_seq: 8, unread_count: 0, last_read_seq: 8 });
    const before = summary({ last_seq: 8, unread_count: 4, last_read_seq: 4 });
    expect(mergeSummary(readHere, before)).toMatchObject({ last_read_seq: 8, unread_count: 0 });
  });
});
