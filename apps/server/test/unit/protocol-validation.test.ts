/** Edge cases of the protocol's schemas (packages/protocol), without a server. */
import { expect } from "chai";
import {
  clientEvents,
  HistoryQuery,
  idParam,
  isBlank,
  MAX_ID,
  MAX_TEXT,
  MessagesQuery,
  SendMessageBody,
} from "@chat/protocol";

const UUID = "6f1d2c1e-0000-4000-8000-000000000001";
const text = (t: unknown) => SendMessageBody.safeParse({ client_id: UUID, text: t }).success;

describe("unit: protocol validation edge cases", () => {
  describe("message text", () => {
    it("accepts 1 and MAX_TEXT characters, refuses 0 and MAX_TEXT + 1", () => {
      expect(text("x")).to.equal(true);
      expect(text("x".repeat(MAX_TEXT))).to.equal(true);
      expect(text("")).to.equal(false);
      expect(text("x".repeat(MAX_TEXT + 1))).to.equal(false);
    });

    it("refuses text that shows nothing: spaces, zero-width, bidi marks, Hangul fillers, blank Braille", () => {
      for (const blank of [" \t\n", "\u200b", "\u200e\u2066", "\ufeff", "\u3164", "\u2800", "\u115f\u1160"]) {
        expect(isBlank(blank), JSON.stringify(blank)).to.equal(true);
        expect(text(blank), JSON.stringify(blank)).to.equal(false);
      }
      expect(text(" a ")).to.equal(true);
      expect(text("👍🏽")).to.equal(true); // a skin-tone modifier is not invisible
    });

    it("refuses NUL and lone surrogates, accepts a valid surrogate pair", () => {
      expect(text("a\u0000b")).to.equal(false);
      expect(text("a\ud800")).to.equal(false);
      expect(text("\udc00a")).to.equal(false);
      expect(text("\ud83d\ude00")).to.equal(true);
    });

    it("refuses a text that is not a string, and unknown fields", () => {
      for (const t of [1, null, {}, ["a"]]) expect(text(t)).to.equal(false);
      expect(SendMessageBody.safeParse({ client_id: UUID, text: "a", extra: 1 }).success).to.equal(false);
    });
  });

  describe("ids", () => {
    it("a path id is 1..MAX_ID written plainly: no 0, sign, leading zero, exponent or decimal", () => {
      expect(idParam.parse("1")).to.equal(1);
      expect(idParam.parse(String(MAX_ID))).to.equal(MAX_ID);
      for (const bad of ["0", "-1", "+1", "01", "1e3", "1.0", " 1", String(MAX_ID + 1), "99999999999", ""])
        expect(idParam.safeParse(bad).success, bad).to.equal(false);
    });

    it("an event id is an integer 1..MAX_ID: past the int range, fractions and strings are refused", () => {
      const send = (chat_id: unknown) =>
        clientEvents["message:send"].safeParse({ chat_id, client_id: UUID, text: "a" }).success;
      expect(send(MAX_ID)).to.equal(true);
      for (const bad of [0, -1, 1.5, MAX_ID + 1, Number.MAX_SAFE_INTEGER, "1", NaN, Infinity])
        expect(send(bad), String(bad)).to.equal(false);
    });

    it("a read seq is 0..MAX_ID", () => {
      const read = (seq: unknown) => clientEvents["message:read"].safeParse({ chat_id: 1, seq }).success;
      expect(read(0)).to.equal(true);
      expect(read(MAX_ID)).to.equal(true);
      for (const bad of [-1, 0.5, MAX_ID + 1]) expect(read(bad), String(bad)).to.equal(false);
    });
  });

  describe("limits", () => {
    it("a page limit is 1..100; before_seq and after_seq exclude each other", () => {
      expect(MessagesQuery.parse({ limit: "100" })).to.deep.equal({ limit: 100 });
      for (const bad of ["0", "101", "-1", "1.5", "abc", "00001"])
        expect(MessagesQuery.safeParse({ limit: bad }).success, bad).to.equal(false);
      expect(MessagesQuery.safeParse({ before_seq: "3", after_seq: "1" }).success).to.equal(false);
    });

    it("history's offset is a non-negative integer of at most nine digits", () => {
      expect(HistoryQuery.parse({ offset: "0" })).to.deep.equal({ offset: 0 });
      for (const bad of ["-1", "1234567890", "x"])
        expect(HistoryQuery.safeParse({ offset: bad }).success, bad).to.equal(false);
    });

    it("sync's limit is bounded and its chat list is checked item by item", () => {
      const sync = (p: unknown) => clientEvents.sync.safeParse(p).success;
      expect(sync({})).to.equal(true);
      expect(sync({ limit: 0 })).to.equal(false);
      expect(sync({ chats: [{ chat_id: 1, after_seq: -1 }] })).to.equal(false);
      expect(sync({ chats: [{ chat_id: MAX_ID + 1, after_seq: 0 }] })).to.equal(false);
    });
  });
});
