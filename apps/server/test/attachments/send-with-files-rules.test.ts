/**
 * Issue 16, item 3: the rules of a send with `attachment_ids`, on two nodes (in-process, one Redis,
 * one PostgreSQL). Only the sender's own ready uploads not yet attached may go; anything else is
 * a clear refusal (409 `attachment_unusable` naming the ids, or 400 for the list's own shape) and
 * nothing is stored, no seq spent, no file linked. Two sends racing for one upload: one wins. A
 * retry with the same client_id answers the first message with its files and links nothing new.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import pg from "pg";
import request from "supertest";
import type { ChatSocket } from "@chat/client";
import { useTwoNodes } from "../support/two-nodes.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { insertAttachment, type AttachmentSeed } from "../support/attachments.ts";
import { useDevices } from "../cluster/devices.ts";

describe("sending with attachment_ids: the rules", () => {
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "att-rules" });
  const devices = useDevices();
  let db: pg.Pool;
  before(() => {
    db = new pg.Pool({ connectionString: nodes.a.databaseUrl, max: 3 });
  });
  after(() => db?.end());
  const upload = (seed: AttachmentSeed) => insertAttachment(db, seed);

  async function cast() {
    const u = await createUser(nodes.a.url, "U");
    const v = await createUser(nodes.b.url, "V");
    const chatId = await createGroup(nodes.a.url, u, [v]);
    return { u, v, chatId };
  }

  const send = (url: string, who: TestUser, chatId: number, body: object) =>
    request(url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(who.auth)
      .send({ client_id: crypto.randomUUID(), ...body });

  const stored = async (chatId: number) =>
    (
      await db.query<{ n: number; last_seq: number }>(
        "SELECT (SELECT count(*)::int FROM messages WHERE chat_id = $1) AS n, last_seq FROM chats WHERE id = $1",
        [chatId],
      )
    ).rows[0];

  const linkOf = async (id: string) =>
    (
      await db.query<{ message_id: number | null; chat_id: number | null; position: number | null }>(
        "SELECT message_id, chat_id, position FROM attachments WHERE id = $1",
        [id],
      )
    ).rows[0];

  /** The socket's ack error code for a send (or "ok"). */
  const socketCode = (s: ChatSocket, payload: object) =>
    s.request("message:send", payload as never).then(
      () => "ok",
      (e: { code: string; error?: { details?: unknown } }) => e.code,
    );

  it("refuses another user's, pending, failed, already sent, purged and unknown ids: 409 attachment_unusable naming them, nothing stored", async () => {
    const { u, v, chatId } = await cast();
    const sent = await upload({ uploaderId: u.id });
    await send(nodes.a.url, u, chatId, { text: "first", attachment_ids: [sent] }).expect(201);
    const purged = await upload({ uploaderId: u.id });
    await db.query("UPDATE attachments SET purged_at = now() WHERE id = $1", [purged]);
    const good = await upload({ uploaderId: u.id });
    const bad: Record<string, string> = {
      "another user's": await upload({ uploaderId: v.id }),
      pending: await upload({ uploaderId: u.id, state: "pending" }),
      failed: await upload({ uploaderId: u.id, state: "failed" }),
      "already sent": sent,
      purged,
      unknown: crypto.randomUUID(),
    };
    const su = await devices.connect(nodes.b.url, u);
    for (const [what, id] of Object.entries(bad)) {
      // Alone, and after a good one: the whole send is refused, the good one stays free.
      for (const ids of [[id], [good, id]]) {
        const res = await send(nodes.a.url, u, chatId, { text: what, attachment_ids: ids }).expect(409);
        expect(res.body.error.code, what).to.equal("attachment_unusable");
        expect(res.body.error.details, what).to.deep.equal({ attachment_ids: [id] });
        const code = await socketCode(su, {
          chat_id: chatId,
          client_id: crypto.randomUUID(),
          text: "",
          attachment_ids: ids,
        });
        expect(code, what).to.equal("attachment_unusable");
      }
    }
    expect(await stored(chatId)).to.deep.equal({ n: 1, last_seq: 1 });
    expect(await linkOf(good)).to.deep.equal({ message_id: null, chat_id: null, position: null });
    // No seq was spent: the next message is 2, and the good upload is still free.
    const next = await send(nodes.a.url, u, chatId, { attachment_ids: [good] }).expect(201);
    expect(next.body.message.seq).to.equal(2);
    expect(await linkOf(good)).to.deep.equal({
      message_id: next.body.message.id,
      chat_id: chatId,
      position: 0,
    });
  });

  it("refuses a repeated id, 11 ids, blank text and an empty list without text: 400 validation_failed", async () => {
    const { u, chatId } = await cast();
    const a = await upload({ uploaderId: u.id });
    const eleven = await Promise.all(Array.from({ length: 11 }, () => upload({ uploaderId: u.id })));
    const cases: Array<[object, string]> = [
      [{ attachment_ids: [a, a] }, "attachment_ids"],
      [{ attachment_ids: [a, a.toUpperCase()] }, "attachment_ids"],
      [{ attachment_ids: eleven }, "attachment_ids"],
      [{ attachment_ids: ["not-a-uuid"] }, "attachment_ids.0"],
      [{ attachment_ids: [] }, "text"],
      [{ text: "" }, "text"],
      [{}, "text"],
      [{ text: " \u200b ", attachment_ids: [a] }, "text"],
      [{ attachment_ids: a }, "attachment_ids"],
    ];
    const su = await devices.connect(nodes.a.url, u);
    for (const [body, path] of cases) {
      const res = await send(nodes.b.url, u, chatId, body).expect(400);
      expect(res.body.error.code).to.equal("validation_failed");
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include(path);
      expect(await socketCode(su, { chat_id: chatId, client_id: crypto.randomUUID(), ...body })).to.equal(
        "validation_failed",
      );
    }
    expect(await stored(chatId)).to.deep.equal({ n: 0, last_seq: 0 });
    // Ten is the most: accepted, in the order given.
    const ten = eleven.slice(0, 10);
    const ok = await send(nodes.b.url, u, chatId, { attachment_ids: ten }).expect(201);
    expect(ok.body.message.attachments.map((x: { id: string }) => x.id)).to.deep.equal(ten);
  });

  it("a member's upload cannot go into a chat they are not in (not_a_member), and stays free", async () => {
    const { u, v } = await cast();
    const otherChat = await createGroup(nodes.a.url, v, []);
    const mine = await upload({ uploaderId: u.id });
    const res = await send(nodes.a.url, u, otherChat, { attachment_ids: [mine] }).expect(403);
    expect(res.body.error.code).to.equal("not_a_member");
    expect((await linkOf(mine)).message_id).to.equal(null);
  });

  it("two sends racing for one upload, from two nodes into two chats: one wins, the other is refused without a seq", async () => {
    const { u, v } = await cast();
    const chats = [await createGroup(nodes.a.url, u, [v]), await createGroup(nodes.a.url, u, [v])];
    const [sa, sb] = await Promise.all([devices.connect(nodes.a.url, u), devices.connect(nodes.b.url, u)]);
    for (let round = 0; round < 15; round++) {
      const id = await upload({ uploaderId: u.id });
      const outs = await Promise.all(
        [sa, sb].map((s, i) =>
          s
            .request("message:send", {
              chat_id: chats[i],
              client_id: crypto.randomUUID(),
              text: `race ${round}`,
              attachment_ids: [id],
            })
            .then(
              (ack) => ({ ok: true as const, id: ack.message.id }),
              (e: { code: string }) => ({ ok: false as const, code: e.code }),
            ),
        ),
      );
      const won = outs.flatMap((o, i) => (o.ok ? [i] : []));
      expect(won, `round ${round}`).to.have.length(1);
      const loser = outs[1 - won[0]];
      expect(loser).to.deep.equal({ ok: false, code: "attachment_unusable" });
      const winner = outs[won[0]] as { id: number };
      expect((await linkOf(id)).message_id).to.equal(winner.id);
    }
    const [one, two] = await Promise.all(chats.map(stored));
    // Every seq went to a winner: no gap, no message of a loser.
    expect(one.n + two.n).to.equal(15);
    expect([one.last_seq, two.last_seq]).to.deep.equal([one.n, two.n]);
  });

  it("two sends racing for one upload in one chat (one group commit): one wins", async () => {
    const { u, chatId } = await cast();
    const s = await devices.connect(nodes.a.url, u);
    const id = await upload({ uploaderId: u.id });
    const outs = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        socketCode(s, {
          chat_id: chatId,
          client_id: crypto.randomUUID(),
          text: `same file ${i}`,
          attachment_ids: [id],
        }),
      ),
    );
    expect(outs.filter((o) => o === "ok")).to.have.length(1);
    expect(outs.filter((o) => o === "attachment_unusable")).to.have.length(4);
    expect(await stored(chatId)).to.deep.equal({ n: 1, last_seq: 1 });
  });

  it("a retry with the same client_id answers the first message with its files and links nothing new (REST, socket, other node)", async () => {
    const { u, chatId } = await cast();
    const [pdf, png, spare] = await Promise.all([
      upload({ uploaderId: u.id, name: "a.pdf", mime: "application/pdf" }),
      upload({ uploaderId: u.id, name: "b.png", mime: "image/png", width: 2, height: 3, thumbnail: true }),
      upload({ uploaderId: u.id }),
    ]);
    const clientId = crypto.randomUUID();
    const first = await send(nodes.a.url, u, chatId, {
      client_id: clientId,
      attachment_ids: [pdf, png],
    }).expect(201);
    expect(first.body.duplicate).to.equal(false);
    const again = await send(nodes.b.url, u, chatId, {
      client_id: clientId,
      attachment_ids: [pdf, png],
    }).expect(200);
    expect(again.body).to.deep.equal({ message: first.body.message, duplicate: true });
    // Other files under the same client_id: still the first message; the spare is not linked.
    const sb = await devices.connect(nodes.b.url, u);
    const viaSocket = await sb.send(chatId, "changed", clientId, { attachmentIds: [spare] });
    expect(viaSocket).to.deep.equal({ message: first.body.message, duplicate: true });
    expect((await linkOf(spare)).message_id).to.equal(null);
    expect(await stored(chatId)).to.deep.equal({ n: 1, last_seq: 1 });
    expect((await linkOf(png)).position).to.equal(1);
  });

  describe("a retry refused by the send rate limit (replayed from the database)", () => {
    let limited: TestNode;
    before(async () => {
      limited = await startTestNode({
        DATABASE_URL: nodes.a.databaseUrl,
        RATE_LIMIT_SENDS_PER_USER_PER_10S: "1",
      });
    });
    after(() => limited?.close());

    it("answers the stored message with its files", async () => {
      const { u, chatId } = await cast();
      const id = await upload({ uploaderId: u.id, name: "c.txt", mime: "text/plain" });
      const clientId = crypto.randomUUID();
      const first = await send(limited.url, u, chatId, { client_id: clientId, attachment_ids: [id] }).expect(
        201,
      );
      await send(limited.url, u, chatId, { text: "over the limit" }).expect(429);
      const replay = await send(limited.url, u, chatId, { client_id: clientId, attachment_ids: [id] }).expect(
        200,
      );
      expect(replay.body).to.deep.equal({ message: first.body.message, duplicate: true });
      expect(replay.body.message.attachments).to.have.length(1);
    });
  });
});
