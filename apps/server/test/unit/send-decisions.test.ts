/** The idempotency decision of a batch of sends (store/send-decisions.ts), without a database. */
import { expect } from "chai";
import { decideSends, type AttachmentFacts, type SendFacts } from "../../src/store/send-decisions.ts";
import type { MessageRow } from "../../src/store/message-row.ts";

const A = "6f1d2c1e-0000-4000-8000-00000000000a";
const B = "6f1d2c1e-0000-4000-8000-00000000000b";
const C = "6f1d2c1e-0000-4000-8000-00000000000c";

function row(chatId: number, senderId: number, clientId: string): MessageRow {
  return {
    id: 1,
    chat_id: chatId,
    seq: 1,
    sender_id: senderId,
    client_id: clientId,
    text: "hi",
    created_at: new Date(0),
    edited_at: null,
    deleted_at: null,
  };
}
const facts = (stored: MessageRow[] = [], members = ["1:7", "1:8"]): SendFacts => ({
  chatExists: (c) => c === 1,
  isMember: (c, s) => members.includes(`${c}:${s}`),
  stored,
});

describe("unit: send idempotency decisions (store/send-decisions.ts)", () => {
  it("a new (chat, sender, client_id) is written", () => {
    expect(decideSends([{ chatId: 1, senderId: 7, clientId: A }], facts())).to.deep.equal([{ kind: "new" }]);
  });

  it("a stored one is a duplicate of its row, whatever the uuid's case", () => {
    const stored = row(1, 7, A);
    expect(
      decideSends([{ chatId: 1, senderId: 7, clientId: A.toUpperCase() }], facts([stored])),
    ).to.deep.equal([{ kind: "stored", row: stored }]);
  });

  it("the same key twice in one batch is written once; the later is the same as the first", () => {
    const d = decideSends(
      [
        { chatId: 1, senderId: 7, clientId: A },
        { chatId: 1, senderId: 7, clientId: B },
        { chatId: 1, senderId: 7, clientId: A },
      ],
      facts(),
    );
    expect(d).to.deep.equal([{ kind: "new" }, { kind: "new" }, { kind: "same_as", index: 0 }]);
  });

  it("the key is per sender and per chat: another sender's same client_id is new", () => {
    const d = decideSends(
      [
        { chatId: 1, senderId: 7, clientId: A },
        { chatId: 1, senderId: 8, clientId: A },
      ],
      facts([row(1, 7, A)]),
    );
    expect(d.map((x) => x.kind)).to.deep.equal(["stored", "new"]);
  });

  it("refusals come first: an unknown chat, then a non-member (even one whose row is stored)", () => {
    const d = decideSends(
      [
        { chatId: 2, senderId: 7, clientId: A },
        { chatId: 1, senderId: 9, clientId: A },
      ],
      facts([row(1, 9, A)]),
    );
    expect(d).to.deep.equal([
      { kind: "refuse", code: "chat_not_found" },
      { kind: "refuse", code: "not_a_member" },
    ]);
  });

  it("an encrypted chat takes no plaintext (issue 17), not even a retry of a stored key", () => {
    const d = decideSends(
      [
        { chatId: 1, senderId: 7, clientId: A },
        { chatId: 1, senderId: 8, clientId: B },
      ],
      { ...facts([row(1, 8, B)]), chatEncrypted: (c) => c === 1 },
    );
    expect(d).to.deep.equal([
      { kind: "refuse", code: "encrypted_chat" },
      { kind: "refuse", code: "encrypted_chat" },
    ]);
  });

  describe("with files (attachment_ids)", () => {
    const F1 = "6f1d2c1e-0000-4000-8000-0000000000f1";
    const F2 = "6f1d2c1e-0000-4000-8000-0000000000f2";
    const F3 = "6f1d2c1e-0000-4000-8000-0000000000f3";
    const files = new Map([
      [F1, { uploaderId: 7, free: true }],
      [F2, { uploaderId: 7, free: true }],
      [F3, { uploaderId: 8, free: true }],
    ]);
    const withFiles = (over: Partial<SendFacts> = {}): SendFacts => ({
      ...facts(),
      attachments: files,
      ...over,
    });

    it("the sender's free uploads are taken, whatever the uuid's case", () => {
      const d = decideSends(
        [{ chatId: 1, senderId: 7, clientId: A, attachmentIds: [F2, F1.toUpperCase()] }],
        withFiles(),
      );
      expect(d).to.deep.equal([{ kind: "new" }]);
    });

    it("an encrypted upload (an encrypted chat's blob) is refused in a plain send", () => {
      const sealed = new Map<string, AttachmentFacts>([
        ...files,
        [F2, { uploaderId: 7, free: true, encrypted: true }],
      ]);
      const d = decideSends(
        [{ chatId: 1, senderId: 7, clientId: A, attachmentIds: [F1, F2] }],
        withFiles({ attachments: sealed }),
      );
      expect(d).to.deep.equal([{ kind: "refuse", code: "attachment_unusable", attachmentIds: [F2] }]);
    });

    it("another user's, a taken one and an unknown one refuse the send, naming only those", () => {
      const taken = new Map([...files, [F2, { uploaderId: 7, free: false }]]);
      const unknown = "6f1d2c1e-0000-4000-8000-0000000000ff";
      const d = decideSends(
        [{ chatId: 1, senderId: 7, clientId: A, attachmentIds: [F1, F2, F3, unknown] }],
        withFiles({ attachments: taken }),
      );
      expect(d).to.deep.equal([
        { kind: "refuse", code: "attachment_unusable", attachmentIds: [F2, F3, unknown] },
      ]);
    });

    it("two sends of one batch asking for one upload: the first wins; a refused send claims nothing", () => {
      const d = decideSends(
        [
          { chatId: 1, senderId: 7, clientId: A, attachmentIds: [F1, F3] }, // refused: F3 is not 7's
          { chatId: 1, senderId: 7, clientId: B, attachmentIds: [F1] },
          { chatId: 1, senderId: 7, clientId: C, attachmentIds: [F1] },
        ],
        withFiles(),
      );
      expect(d).to.deep.equal([
        { kind: "refuse", code: "attachment_unusable", attachmentIds: [F3] },
        { kind: "new" },
        { kind: "refuse", code: "attachment_unusable", attachmentIds: [F1] },
      ]);
    });

    it("a duplicate (stored, or the same key again in the batch) checks and claims nothing", () => {
      const taken = new Map([[F1, { uploaderId: 7, free: false }]]);
      const d = decideSends(
        [
          { chatId: 1, senderId: 7, clientId: A, attachmentIds: [F1] },
          { chatId: 1, senderId: 7, clientId: B, attachmentIds: [F2] },
          { chatId: 1, senderId: 7, clientId: B, attachmentIds: [F2] },
        ],
        withFiles({ stored: [row(1, 7, A)], attachments: new Map([...files, ...taken]) }),
      );
      expect(d.map((x) => x.kind)).to.deep.equal(["stored", "new", "same_as"]);
    });
  });
});
