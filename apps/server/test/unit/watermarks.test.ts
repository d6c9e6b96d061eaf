/** The "fully read" rule (domain/watermarks.ts), without a database. */
import { expect } from "chai";
import { AppError } from "@chat/protocol";
import {
  applyReadsInMemory,
  raiseWatermarks,
  type ChatCursors,
  type ReadOutcome,
} from "../../src/domain/watermarks.ts";

/** A chat whose members' cursors are `[userId, lastRead, fullyRead]`. */
function chat(lastSeq: number, ...members: Array<[number, number, number]>): ChatCursors {
  return {
    lastSeq,
    members: new Map(members.map(([id, lastRead, fullyRead]) => [id, { lastRead, fullyRead, dirty: false }])),
  };
}
const fully = (c: ChatCursors) => Object.fromEntries([...c.members].map(([id, m]) => [id, m.fullyRead]));

describe("unit: fully-read watermarks (domain/watermarks.ts)", () => {
  describe("raiseWatermarks", () => {
    it("raises each sender to the lowest cursor of the OTHER members", () => {
      const c = chat(10, [1, 10, 0], [2, 4, 0], [3, 7, 0]);
      const raised = raiseWatermarks(c, 5, 0);
      // 1's messages: others read to 4 and 7 → 4; 2's: others 10 and 7 → 7; 3's: 10 and 4 → 4.
      expect(fully(c)).to.deep.equal({ 1: 4, 2: 7, 3: 4 });
      expect(raised).to.deep.equal([
        { chatId: 5, senderId: 1, lo: 0, hi: 4, job: 0 },
        { chatId: 5, senderId: 2, lo: 0, hi: 7, job: 0 },
        { chatId: 5, senderId: 3, lo: 0, hi: 4, job: 0 },
      ]);
      expect([...c.members.values()].every((m) => m.dirty)).to.equal(true);
    });

    it("never lowers a watermark, and reports nothing when none moves", () => {
      const c = chat(10, [1, 2, 9], [2, 3, 9]);
      expect(raiseWatermarks(c, 1, 0)).to.deep.equal([]);
      expect(fully(c)).to.deep.equal({ 1: 9, 2: 9 });
      expect([...c.members.values()].some((m) => m.dirty)).to.equal(false);
    });

    it("a lone member has no others: nothing is fully read", () => {
      const c = chat(3, [1, 3, 0]);
      expect(raiseWatermarks(c, 1, 0)).to.deep.equal([]);
    });

    it("two members tied at the lowest cursor hold each other back", () => {
      const c = chat(9, [1, 2, 0], [2, 2, 0], [3, 9, 0]);
      raiseWatermarks(c, 1, 0);
      expect(fully(c)).to.deep.equal({ 1: 2, 2: 2, 3: 2 });
    });
  });

  describe("applyReadsInMemory", () => {
    const value = (o: { ok: boolean }) => (o as { ok: true; value: ReadOutcome }).value;

    it("caps a read at the chat's last seq, never moves a cursor back, refuses strangers and unknown chats", () => {
      const chats = new Map([[1, chat(5, [10, 2, 0], [11, 0, 0])]]);
      const { outcomes } = applyReadsInMemory(chats, [
        { chatId: 1, readerId: 10, seq: 99 },
        { chatId: 1, readerId: 10, seq: 3 },
        { chatId: 1, readerId: 12, seq: 1 },
        { chatId: 2, readerId: 10, seq: 1 },
      ]);
      expect(value(outcomes[0])).to.include({ lastReadSeq: 5, moved: true });
      expect(value(outcomes[1])).to.include({ lastReadSeq: 5, moved: false });
      expect(outcomes[2]).to.have.property("ok", false);
      expect((outcomes[2] as { error: AppError }).error.code).to.equal("not_a_member");
      expect((outcomes[3] as { error: AppError }).error.code).to.equal("chat_not_found");
    });

    it("attributes a raise to the read that completed it, in arrival order", () => {
      // Sender 10 wrote up to seq 6; members 11 and 12 have read nothing.
      const chats = new Map([[1, chat(6, [10, 6, 0], [11, 0, 0], [12, 0, 0])]]);
      const { outcomes, raised } = applyReadsInMemory(chats, [
        { chatId: 1, readerId: 11, seq: 6 }, // 12 still holds 10's messages back
        { chatId: 1, readerId: 12, seq: 4 }, // completes 10's messages up to 4
        { chatId: 1, readerId: 12, seq: 6 }, // and then up to 6
      ]);
      expect(outcomes.map((o) => value(o).moved)).to.deep.equal([true, true, true]);
      const of10 = raised.filter((r) => r.senderId === 10);
      expect(of10).to.deep.equal([
        { chatId: 1, senderId: 10, lo: 0, hi: 4, job: 1 },
        { chatId: 1, senderId: 10, lo: 4, hi: 6, job: 2 },
      ]);
      expect(fully(chats.get(1)!)).to.deep.equal({ 10: 6, 11: 6, 12: 6 });
    });
  });
});
