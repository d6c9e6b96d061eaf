import { expect } from "chai";
import request from "supertest";
import type { Message } from "@chat/client";
import { MessageSchema, serverEvents, SyncAckSchema } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { delivered, useDevices, record, recordMessages } from "../cluster/devices.ts";

/** One node, in-memory adapter: the protocol's basics and the client's ordering and catch-up. */
describe("single node (in-memory adapter)", () => {
  const node = useNode();
  const devices = useDevices();

  it("send, receive, read and fully-read, with payloads as the protocol's schemas describe them", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const su = await devices.connect(node.url, u);
    const sv = await devices.connect(node.url, v);
    const news = recordMessages(sv);
    const reads = record(su, "receipt:read");
    const fully = record(su, "receipt:fully_read");

    const { message, duplicate } = await su.send(chatId, "hi");
    expect(duplicate).to.equal(false);
    expect(MessageSchema.parse(message)).to.deep.equal(message);
    expect(message).to.include({ chat_id: chatId, seq: 1, sender_id: u.id, text: "hi", deleted_at: null });
    await eventually(() => expect(news).to.deep.equal([message]));

    const ack = await sv.read(chatId, 1);
    expect(ack).to.deep.equal({ chat_id: chatId, last_read_seq: 1, fully_read_ids: [message.id] });
    await eventually(() => {
      expect(reads).to.deep.equal([{ chat_id: chatId, user_id: v.id, last_read_seq: 1 }]);
      expect(fully).to.deep.equal([{ chat_id: chatId, message_ids: [message.id], up_to_seq: 1 }]);
    });
    for (const r of reads) serverEvents["receipt:read"].parse(r);
    // Reading past the end is capped at the last seq.
    expect((await sv.read(chatId, 99)).last_read_seq).to.equal(1);
  });

  it("a REST read (PUT /message/read/{id}) sends the same receipts", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const su = await devices.connect(node.url, u);
    const fully = record(su, "receipt:fully_read");
    const m = (await su.send(chatId, "read me")).message;
    await request(node.url).put(`/message/read/${m.id}`).set(v.auth).expect(200);
    await eventually(() =>
      expect(fully).to.deep.equal([{ chat_id: chatId, message_ids: [m.id], up_to_seq: m.seq }]),
    );
  });

  it("sync pages missed messages by seq, with cursors and my fully-read watermark", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const su = await devices.connect(node.url, u);
    for (let i = 1; i <= 7; i++) await su.send(chatId, `m${i}`);
    const sv = await devices.connect(node.url, v);
    await sv.read(chatId, 3);

    const page1 = await sv.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }], limit: 5 });
    expect(SyncAckSchema.parse(page1)).to.deep.equal(page1);
    const [c1] = page1.chats;
    expect(c1.messages.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(c1).to.include({ has_more: true, last_seq: 7, fully_read_seq: 0 });
    expect(c1.read_cursors).to.have.deep.members([
      { user_id: u.id, last_read_seq: 0 },
      { user_id: v.id, last_read_seq: 3 },
    ]);
    const page2 = await sv.request("sync", { chats: [{ chat_id: chatId, after_seq: 5 }], limit: 5 });
    expect(page2.chats[0].messages.map((m) => m.seq)).to.deep.equal([6, 7]);
    expect(page2.chats[0].has_more).to.equal(false);
    // Without a list: every chat of mine, from my read cursor.
    const mine = await sv.request("sync", {});
    expect(mine.chats.map((c) => [c.chat_id, c.messages[0]?.seq])).to.deep.equal([[chatId, 4]]);
    // The sender's watermark as sync reports it.
    const us = await su.request("sync", { chats: [{ chat_id: chatId, after_seq: 7 }] });
    expect(us.chats[0]).to.include({ fully_read_seq: 3, has_more: false });
    expect(us.chats[0].messages).to.deep.equal([]);
  });

  it("the client fills a gap from the server and delivers in seq order, once", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const su = await devices.connect(node.url, u);
    const early: Message[] = [];
    for (let i = 1; i <= 4; i++) early.push((await su.send(chatId, `early ${i}`)).message);
    // V's device knows the chat only from seq 0: the next live message (seq 5) leaves a gap.
    const sv = await devices.connect(node.url, v, { gapWait: 50 });
    sv.track(chatId, 0);
    const got = delivered(sv);
    const live = (await su.send(chatId, "live")).message;
    await eventually(() => expect(got.map((m) => m.id)).to.deep.equal([...early.map((m) => m.id), live.id]));
    // A resync repeats nothing.
    await sv.resync();
    expect(got).to.have.length(5);
    expect(sv.lastSeq.get(chatId)).to.equal(5);
  });

  it("a device learns about a chat created with it (chat:added) and follows it from there", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const sv = await devices.connect(node.url, v);
    const added = record(sv, "chat:added");
    const got = delivered(sv);
    const chatId = await createGroup(node.url, u, [v]);
    await eventually(() => expect(added.map((a) => a.chat.id)).to.deep.equal([chatId]));
    expect(sv.lastSeq.get(chatId)).to.equal(0);
    const su = await devices.connect(node.url, u);
    const m = (await su.send(chatId, "welcome")).message;
    await eventually(() => expect(got.map((x) => x.id)).to.deep.equal([m.id]));
  });
});
