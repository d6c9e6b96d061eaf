/**
 * History around a message (issue 18): `GET /chats/{id}/messages?around_seq=` opens a search
 * result or a quote in its context — a bounded window before and after it, members only.
 */
import { expect } from "chai";
import request from "supertest";
import { MAX_PAGE } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";

describe("REST: history around a message (around_seq)", () => {
  // 16 KiB, the least allowed: a page of long messages meets the budget before the limit.
  const node = useNode({ ANSWER_MAX_BYTES: "16384" });
  let ann: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let chat: number;
  const seqs: number[] = [];
  before(async () => {
    [ann, bob, eve] = await Promise.all(["Ann", "Bob", "Eve"].map((n) => createUser(node.url, n)));
    chat = await createGroup(node.url, ann, [bob]);
    for (let i = 1; i <= 30; i++) seqs.push((await sendText(node.url, ann, chat, `message ${i}`)).seq);
  });

  const around = (who: TestUser, q: string, chatId = chat) =>
    request(node.url).get(`/api/v1/chats/${chatId}/messages?${q}`).set(who.auth);

  it("answers the message with messages before and after it, ascending, and says what lies beyond", async () => {
    const target = seqs[14];
    const page = expectOk("listMessages", await around(bob, `around_seq=${target}&limit=10`));
    expect(page.messages.map((m) => m.seq)).to.deep.equal(seqs.slice(10, 20));
    expect(page.messages.map((m) => m.text)).to.include("message 15");
    expect(page.has_more).to.equal(true);
    expect(page.has_more_after).to.equal(true);
  });

  it("near either end the window is shorter and has_more / has_more_after say so", async () => {
    const first = expectOk("listMessages", await around(bob, `around_seq=${seqs[1]}&limit=10`));
    expect(first.messages.map((m) => m.seq)).to.deep.equal(seqs.slice(0, 7));
    expect(first.has_more).to.equal(false);
    expect(first.has_more_after).to.equal(true);
    const last = expectOk("listMessages", await around(bob, `around_seq=${seqs[29]}&limit=10`));
    expect(last.messages.map((m) => m.seq)).to.deep.equal(seqs.slice(25));
    expect(last.has_more).to.equal(true);
    expect(last.has_more_after).to.equal(false);
  });

  it("a window of one is the message alone; the default limit is an ordinary page's", async () => {
    const one = expectOk("listMessages", await around(bob, `around_seq=${seqs[5]}&limit=1`));
    expect(one.messages.map((m) => m.seq)).to.deep.equal([seqs[5]]);
    expect(one.has_more).to.equal(true);
    expect(one.has_more_after).to.equal(true);
    const all = expectOk("listMessages", await around(bob, `around_seq=${seqs[15]}`));
    expect(all.messages).to.have.length(30);
    expect(all.has_more).to.equal(false);
    expect(all.has_more_after).to.equal(false);
    // Ordinary pages do not carry has_more_after.
    const plain = expectOk("listMessages", await around(bob, "limit=5"));
    expect(plain).to.not.have.property("has_more_after");
  });

  it("a seq past the end or at the int column's top answers the newest, never a 500", async () => {
    const past = expectOk("listMessages", await around(bob, `around_seq=${seqs[29] + 100}&limit=4`));
    expect(past.messages.map((m) => m.seq)).to.deep.equal(seqs.slice(28));
    const top = expectOk("listMessages", await around(bob, `around_seq=2147483647&limit=2`));
    expect(top.messages.map((m) => m.seq)).to.deep.equal([seqs[29]]);
    const zero = expectOk("listMessages", await around(bob, `around_seq=0&limit=4`));
    expect(zero.messages.map((m) => m.seq)).to.deep.equal(seqs.slice(0, 2));
  });

  it("the window stays within the answer byte budget (each half within half of it)", async () => {
    const big = "ж".repeat(3000);
    const more: number[] = [];
    for (let i = 0; i < 12; i++) more.push((await sendText(node.url, ann, chat, big)).seq);
    const res = await around(bob, `around_seq=${more[6]}&limit=${MAX_PAGE}`);
    const page = expectOk("listMessages", res);
    expect(page.messages.map((m) => m.seq)).to.include(more[6]);
    expect(page.messages.length).to.be.lessThan(12);
    expect(page.has_more).to.equal(true);
    expect(page.has_more_after).to.equal(true);
    // A row may pass its half by itself (a page always moves), so: the budget plus one message.
    expect(Buffer.byteLength(res.text)).to.be.lessThan(16384 + 7000);
  });

  it("refuses a non-member, mixed cursors and bad values with clear errors", async () => {
    expectError(await around(eve, `around_seq=${seqs[3]}`), 403, "not_a_member");
    expectInvalid(await around(bob, `around_seq=${seqs[3]}&before_seq=5`), "after_seq");
    expectInvalid(await around(bob, `around_seq=${seqs[3]}&after_seq=5`), "after_seq");
    expectInvalid(await around(bob, "around_seq=-1"), "around_seq");
    expectInvalid(await around(bob, "around_seq=abc"), "around_seq");
    expectInvalid(await around(bob, "around_seq=2147483648"), "around_seq");
    expectInvalid(await around(bob, `around_seq=1&limit=${MAX_PAGE + 1}`), "limit");
  });
});
