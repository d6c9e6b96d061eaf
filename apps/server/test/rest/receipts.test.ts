import { expect } from "chai";
import request from "supertest";
import { MAX_ID, originText } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { getChat, getMembers, sendText } from "./helpers/calls.ts";
import { expectError, expectInvalid, expectOk } from "./helpers/expect.ts";
import { originHistory } from "../origin/origin-client.ts";

describe("REST: read marks and 'fully read'", () => {
  const node = useNode();
  let users: TestUser[];
  let outsider: TestUser;
  before(async () => {
    users = await Promise.all(["A", "B", "C", "D", "E", "F"].map((n) => createUser(node.url, n)));
    outsider = await createUser(node.url, "Outsider");
  });

  const readChat = (who: TestUser, chatId: number, body: object) =>
    request(node.url).put(`/api/v1/chats/${chatId}/read`).set(who.auth).send(body);
  /** Reads up to message m (the origin's PUT /message/read/{id} is its edge over the same call). */
  const read = (who: TestUser, m: { chat_id: number; seq: number }) =>
    readChat(who, m.chat_id, { seq: m.seq });
  /** Which messages are fully read, as the origin's history flags them. */
  const historyRead = async (who: TestUser, chatId: number) =>
    Object.fromEntries((await originHistory(node.url, who, chatId)).map((m) => [m.id, m.read]));

  describe("reading up to a message", () => {
    it("answers {message, chat_id, last_read_seq, fully_read}; fully_read for the read that completes it", async () => {
      const [a, b, c] = users;
      const chatId = await createGroup(node.url, a, [b, c]);
      const m = await sendText(node.url, a, chatId, "read me");
      const first = expectOk("readChat", await read(b, m));
      expect(first).to.deep.equal({
        message: `Chat ${chatId} marked as read`,
        chat_id: chatId,
        last_read_seq: 1,
        fully_read: false,
      });
      const last = expectOk("readChat", await read(c, m));
      expect(last).to.deep.equal({
        message: `Chat ${chatId} read; messages fully read`,
        chat_id: chatId,
        last_read_seq: 1,
        fully_read: true,
      });
    });

    it("reading message N reads everything before it; the cursor never moves back", async () => {
      const [a, b] = users;
      const chatId = await createGroup(node.url, a, [b]);
      const ms = [];
      for (let i = 0; i < 4; i++) ms.push(await sendText(node.url, a, chatId, `m${i}`));
      const r = expectOk("readChat", await read(b, ms[2]));
      expect(r).to.include({ last_read_seq: 3, fully_read: true });
      expect(await historyRead(a, chatId)).to.deep.equal({
        [ms[0].id]: true,
        [ms[1].id]: true,
        [ms[2].id]: true,
        [ms[3].id]: false,
      });
      // An older message afterwards: no move, no second "fully read".
      expect(expectOk("readChat", await read(b, ms[0]))).to.include({
        last_read_seq: 3,
        fully_read: false,
      });
      expect((await getChat(node.url, b, chatId)).last_read_seq).to.equal(3);
    });

    it("the sender reading their own message does not count as a reader", async () => {
      const [a, b, c] = users;
      const chatId = await createGroup(node.url, a, [b, c]);
      const m = await sendText(node.url, a, chatId, "mine");
      expect(expectOk("readChat", await read(a, m)).fully_read).to.equal(false);
      expect(expectOk("readChat", await read(b, m)).fully_read).to.equal(false);
      expect((await historyRead(a, chatId))[m.id]).to.equal(false);
      expect(expectOk("readChat", await read(c, m)).fully_read).to.equal(true);
      expect((await historyRead(a, chatId))[m.id]).to.equal(true);
    });

    it("a non-member's read is a 403 and does not count", async () => {
      const [a, b] = users;
      const chatId = await createGroup(node.url, a, [b]);
      const m = await sendText(node.url, a, chatId, "members only");
      expectError(await read(outsider, m), 403, "not_a_member");
      expect((await historyRead(a, chatId))[m.id]).to.equal(false);
      const members = await getMembers(node.url, a, chatId);
      expect(members.map((x) => x.id)).not.to.include(outsider.id);
      expect(expectOk("readChat", await read(b, m)).fully_read).to.equal(true);
    });

    it("a member added after the message does not hold it back", async () => {
      const [a, b, c] = users;
      const chatId = await createGroup(node.url, a, [b]);
      const m = await sendText(node.url, a, chatId, "before c");
      await request(node.url).post(`/api/v1/chats/${chatId}/members?user_id=${c.id}`).set(a.auth).expect(200);
      expect(expectOk("readChat", await read(b, m)).fully_read).to.equal(true);
    });

    it("a member who leaves stops holding messages back", async () => {
      const [a, b, c] = users;
      const chatId = await createGroup(node.url, a, [b, c]);
      const m = await sendText(node.url, a, chatId, "c never reads this");
      expect(expectOk("readChat", await read(b, m)).fully_read).to.equal(false);
      await request(node.url).delete(`/api/v1/chats/${chatId}/members/${c.id}`).set(c.auth).expect(200);
      expect((await historyRead(a, chatId))[m.id]).to.equal(true);
      // It was reported when c left, not again now.
      expect(expectOk("readChat", await read(b, m)).fully_read).to.equal(false);
    });
  });

  describe("PUT /chats/{id}/read", () => {
    it("moves my cursor to seq (capped at the chat's last seq) and answers the same shape", async () => {
      const [a, b] = users;
      const chatId = await createGroup(node.url, a, [b]);
      await sendText(node.url, a, chatId, "1");
      await sendText(node.url, a, chatId, "2");
      const r1 = expectOk("readChat", await readChat(b, chatId, { seq: 1 }));
      expect(r1).to.deep.equal({
        message: `Chat ${chatId} read; messages fully read`,
        chat_id: chatId,
        last_read_seq: 1,
        fully_read: true,
      });
      const r2 = expectOk("readChat", await readChat(b, chatId, { seq: 1000 }));
      expect(r2).to.include({ last_read_seq: 2, fully_read: true });
      const r3 = expectOk("readChat", await readChat(b, chatId, { seq: 0 }));
      expect(r3).to.deep.equal({
        message: `Chat ${chatId} marked as read`,
        chat_id: chatId,
        last_read_seq: 2,
        fully_read: false,
      });
      expect((await getChat(node.url, b, chatId)).unread_count).to.equal(0);
    });

    it("400 for a bad seq, 403 for a non-member, 404 for an unknown chat", async () => {
      const [a, b] = users;
      const chatId = await createGroup(node.url, a, [b]);
      for (const seq of [-1, 1.5, "1", null, MAX_ID + 1])
        expectInvalid(await readChat(b, chatId, { seq }), "seq");
      expectInvalid(await readChat(b, chatId, {}), "seq");
      expectError(await readChat(b, chatId, { seq: 1, user_id: a.id }), 400, "validation_failed");
      expectError(await readChat(outsider, chatId, { seq: 1 }), 403, "not_a_member");
      expectError(await readChat(b, MAX_ID, { seq: 1 }), 404, "chat_not_found");
    });
  });

  describe("the fully-read race", () => {
    it("6 members, 5 readers at the same instant, 50 rounds: exactly one fully_read per message, never on repeats", async () => {
      const chatId = await createGroup(node.url, users[0], users.slice(1));
      let previous: Awaited<ReturnType<typeof sendText>> | undefined;
      for (let i = 0; i < 50; i++) {
        // The sender changes: every member's watermark is raced on.
        const sender = users[i % users.length];
        const readers = users.filter((u) => u !== sender);
        const m = await sendText(node.url, sender, chatId, `round ${i}`);
        // Every other round the sender reads along (it must not count), and at the same instant
        // everyone repeats the read of the previous message (already fully read: never again).
        const who = i % 2 ? users : readers;
        const [answers, repeats] = await Promise.all([
          Promise.all(who.map((u) => read(u, m))),
          Promise.all(previous === undefined ? [] : users.map((u) => read(u, previous!))),
        ]);
        const fully = answers.filter((r) => expectOk("readChat", r).fully_read);
        expect(fully, `round ${i}: ${answers.map((r) => r.body.fully_read)}`).to.have.length(1);
        expect(fully[0].body.message).to.equal(`Chat ${chatId} read; messages fully read`);
        if (who.includes(sender)) expect(answers[who.indexOf(sender)].body.fully_read).to.equal(false);
        expect(
          repeats.filter((r) => expectOk("readChat", r).fully_read),
          `round ${i} repeats`,
        ).to.have.length(0);
        previous = m;
      }
      const h = await originHistory(node.url, users[0], chatId, { limit: "100" });
      expect(h).to.have.length(50);
      expect(h.every((m) => m.read)).to.equal(true);
    });

    it("reads of many chats at once (group-committed together): each answered as if alone", async () => {
      const [a, ...others] = users;
      const chats = await Promise.all(others.map((u) => createGroup(node.url, a, [u])));
      const left = await createGroup(node.url, a, others.slice(0, 2));
      for (let round = 0; round < 10; round++) {
        const ms = await Promise.all(chats.map((c) => sendText(node.url, a, c, `r${round}`)));
        const m3 = await sendText(node.url, a, left, `left ${round}`);
        const [mine, again, outsiders, other3] = await Promise.all([
          Promise.all(others.map((u, i) => read(u, ms[i]))),
          Promise.all(others.map((u, i) => read(u, ms[i]))),
          Promise.all(ms.map((m) => read(outsider, m))),
          Promise.all([read(others[0], m3), read(others[1], m3)]),
        ]);
        // Each chat of two has one reader: exactly one of its two simultaneous reads completes it.
        mine.forEach((r, i) => {
          const both = [expectOk("readChat", r), expectOk("readChat", again[i])];
          expect(
            both.filter((x) => x.fully_read),
            `round ${round} chat ${i}`,
          ).to.have.length(1);
          expect(both.map((x) => x.last_read_seq)).to.deep.equal([round + 1, round + 1]);
        });
        for (const r of outsiders) expectError(r, 403, "not_a_member");
        expect(other3.filter((r) => expectOk("readChat", r).fully_read)).to.have.length(1);
      }
      for (const [i, c] of chats.entries()) {
        expect(Object.values(await historyRead(a, c)), `chat ${i}`).to.deep.equal(Array(10).fill(true));
      }
    });

    // Per message, as the origin's PUT /message/read/{id} reports it: "Сообщение N полностью прочитано!".
    it("two messages of two senders read at once by everyone: never two reports for one message", async () => {
      const read = (u: TestUser, id: number) => request(node.url).put(`/message/read/${id}`).set(u.auth);
      const chatId = await createGroup(node.url, users[0], users.slice(1, 4));
      const members = users.slice(0, 4);
      for (let i = 0; i < 15; i++) {
        const m1 = await sendText(node.url, members[0], chatId, `x${i}`);
        const m2 = await sendText(node.url, members[1], chatId, `y${i}`);
        const calls = members.flatMap((u) => [read(u, m1.id), read(u, m2.id)]);
        const answers = await Promise.all(calls);
        for (const r of answers) expect(r.status).to.equal(200);
        const fullyFor = (id: number) =>
          answers.filter(
            (r, k) => (k % 2 === 0 ? m1.id : m2.id) === id && r.body.message === originText.fullyRead(id),
          ).length;
        // Only reads of m2 move cursors that far: exactly one of them reports it. m1 may become
        // fully read through a read of m2 (which reports only m2), so at most one read of m1 does.
        expect(fullyFor(m2.id), `round ${i}: m2`).to.equal(1);
        expect(fullyFor(m1.id), `round ${i}: m1`).to.be.at.most(1);
        const h = await historyRead(members[0], chatId);
        expect([h[m1.id], h[m2.id]]).to.deep.equal([true, true]);
      }
    });
  });
});
