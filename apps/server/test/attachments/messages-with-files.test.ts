/**
 * Issue 16, item 3: messages that carry files, across two nodes (in-process, one Redis, one
 * PostgreSQL). A message sent with two ready uploads on node A reaches the other member on node B
 * live, through sync and through paging, with the same `attachments`; the chat list previews it;
 * an edit keeps its files, a delete drops them; the origin surface shows the names as the text;
 * a removed member catches up on nothing of the chat.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import request from "supertest";
import { attachmentPaths, MessageSchema, type ServerEventPayload } from "@chat/protocol";
import type { Attachment, Message, SendOptions } from "@chat/client";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useAttachmentRows } from "../support/attachments.ts";
import { delivered, record, useDevices } from "../cluster/devices.ts";
import { useOriginClients } from "../origin-ws/origin-client.ts";

describe("messages with files across two nodes", () => {
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "att" });
  const devices = useDevices();
  const origin = useOriginClients();
  const upload = useAttachmentRows(() => nodes.a.databaseUrl);

  /** U (node A) and V, W (node B) in a group; two ready uploads of U: a PDF and an image. */
  async function cast() {
    const { a, b } = nodes;
    const u = await createUser(a.url, "U");
    const v = await createUser(b.url, "V");
    const w = await createUser(b.url, "W");
    const chatId = await createGroup(a.url, u, [v, w]);
    const pdf = await upload({ uploaderId: u.id, name: "report.pdf", mime: "application/pdf", size: 48_213 });
    const jpg = await upload({
      uploaderId: u.id,
      name: "photo.jpg",
      mime: "image/jpeg",
      size: 91_004,
      width: 640,
      height: 480,
      thumbnail: true,
    });
    return { u, v, w, chatId, pdf, jpg };
  }

  const expected = (pdf: string, jpg: string): Attachment[] => [
    { id: pdf, name: "report.pdf", size: 48_213, mime: "application/pdf", url: attachmentPaths(pdf).url },
    {
      id: jpg,
      name: "photo.jpg",
      size: 91_004,
      mime: "image/jpeg",
      width: 640,
      height: 480,
      ...attachmentPaths(jpg),
    },
  ];

  const page = async (url: string, who: TestUser, chatId: number, q = "") =>
    (await request(url).get(`/api/v1/chats/${chatId}/messages${q}`).set(who.auth).expect(200)).body as {
      messages: Message[];
    };

  it("a message with 2 files (no text) reaches the member on the other node live, by sync and by paging, with the same files", async () => {
    const { a, b } = nodes;
    const { u, v, chatId, pdf, jpg } = await cast();
    const [su, sv] = await Promise.all([devices.connect(a.url, u), devices.connect(b.url, v)]);
    sv.track(chatId, 0);
    const live = delivered(sv);

    const files: SendOptions = { attachmentIds: [pdf, jpg] };
    const ack = await su.send(chatId, "", undefined, files);
    expect(ack.duplicate).to.equal(false);
    expect(ack.message.text).to.equal("");
    expect(ack.message.attachments).to.deep.equal(expected(pdf, jpg));
    expect(MessageSchema.parse(ack.message)).to.deep.equal(ack.message);

    await eventually(() => expect(live.map((m) => m.id)).to.deep.equal([ack.message.id]));
    expect(live[0]).to.deep.equal(ack.message);

    const synced = await sv.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] });
    expect(synced.chats[0].messages).to.deep.equal([ack.message]);
    expect((await page(b.url, v, chatId)).messages).to.deep.equal([ack.message]);
    expect((await page(b.url, v, chatId, "?after_seq=0")).messages).to.deep.equal([ack.message]);

    const list = await request(b.url).get("/api/v1/chats").set(v.auth).expect(200);
    const summary = list.body.chats.find((c: { id: number }) => c.id === chatId);
    expect(summary.last_message).to.deep.equal(ack.message);
    expect(summary.last_message_preview).to.equal("📎 report.pdf, photo.jpg");
  });

  it("text and a file over REST; a text-only message has no attachments field (omitted when empty)", async () => {
    const { a, b } = nodes;
    const { u, v, chatId, pdf } = await cast();
    const sv = await devices.connect(b.url, v);
    sv.track(chatId, 0);
    const live = record(sv, "message:new");
    const withFile = await request(a.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(u.auth)
      .send({ client_id: crypto.randomUUID(), text: "the report", attachment_ids: [pdf] })
      .expect(201);
    const plain = await request(a.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(u.auth)
      .send({ client_id: crypto.randomUUID(), text: "no files" })
      .expect(201);
    expect(withFile.body.message.attachments).to.deep.equal([expected(pdf, pdf)[0]]);
    expect(plain.body.message).to.not.have.property("attachments");
    await eventually(() => expect(live).to.have.length(2));
    expect(live[0]).to.deep.equal(withFile.body.message);
    expect(live[1]).to.not.have.property("attachments");
    const summary = (await request(b.url).get(`/api/v1/chats/${chatId}`).set(v.auth).expect(200)).body;
    expect(summary.last_message_preview).to.equal("no files");
  });

  it("an edit keeps the files; a delete drops them everywhere (events, paging, sync, chat list)", async () => {
    const { a, b } = nodes;
    const { u, v, chatId, pdf, jpg } = await cast();
    const [su, sv] = await Promise.all([devices.connect(a.url, u), devices.connect(b.url, v)]);
    const updated = record(sv, "message:updated");
    const deleted = record(sv, "message:deleted");
    const { message } = await su.send(chatId, "two files", undefined, { attachmentIds: [pdf, jpg] });

    const edited = await su.request("message:edit", {
      chat_id: chatId,
      message_id: message.id,
      text: "edited",
    });
    expect(edited.attachments).to.deep.equal(expected(pdf, jpg));
    await eventually(() => expect(updated).to.have.length(1));
    expect(updated[0]).to.deep.equal(edited);

    const gone = await su.request("message:delete", { chat_id: chatId, message_id: message.id });
    expect(gone).to.not.have.property("attachments");
    await eventually(() => expect(deleted).to.have.length(1));
    expect(deleted[0]).to.not.have.property("attachments");
    const [m] = (await page(b.url, v, chatId)).messages;
    expect(m.deleted_at).to.be.a("string");
    expect(m).to.not.have.property("attachments");
    const synced = await sv.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] });
    expect(synced.chats[0].messages[0]).to.not.have.property("attachments");
    const summary = (await request(b.url).get(`/api/v1/chats/${chatId}`).set(v.auth).expect(200)).body;
    expect(summary.last_message).to.not.have.property("attachments");
    expect(summary.last_message_preview).to.equal("");
  });

  it("message:batch carries each message's files", async () => {
    const { a, b } = nodes;
    const { u, v, chatId } = await cast();
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        upload({ uploaderId: u.id, name: `f${i}.txt`, mime: "text/plain" }),
      ),
    );
    const batched = await devices.raw(b.url, v.token, true);
    const got: Message[] = [];
    let batches = 0;
    batched.on("message:new", (m) => got.push(m));
    batched.on("message:batch", (x: ServerEventPayload<"message:batch">) => {
      batches++;
      got.push(...x.messages);
    });
    const sender = await devices.raw(a.url, u.token, true);
    const acks = await Promise.all(
      ids.map(
        (id, i) =>
          new Promise<Message>((resolve, reject) =>
            sender.emit(
              "message:send",
              { chat_id: chatId, client_id: crypto.randomUUID(), text: `m${i}`, attachment_ids: [id] },
              (r) => (r.ok ? resolve(r.data.message) : reject(new Error(r.error.code))),
            ),
          ),
      ),
    );
    await eventually(() => expect(got).to.have.length(acks.length));
    expect(batches).to.be.above(0);
    const byId = new Map(acks.map((m) => [m.id, m]));
    for (const m of got) expect(m).to.deep.equal(byId.get(m.id));
    for (const m of acks)
      expect(m.attachments?.map((x) => x.name)).to.deep.equal([`f${Number(m.text.slice(1))}.txt`]);
  });

  it("the origin surface shows the file names as the text, in history and in WebSocket frames", async () => {
    const { a, b } = nodes;
    const { u, v, chatId, pdf, jpg } = await cast();
    const ws = await origin.open(b.url, v, chatId);
    const su = await devices.connect(a.url, u);
    await su.send(chatId, "", undefined, { attachmentIds: [pdf] });
    await su.send(chatId, "see these", undefined, { attachmentIds: [jpg] });
    await eventually(() => expect(ws.news()).to.have.length(2));
    expect(ws.news()).to.deep.equal([
      `📩 Новое сообщение от ${u.id}: 📎 report.pdf`,
      `📩 Новое сообщение от ${u.id}: see these\n📎 photo.jpg`,
    ]);
    const history = await request(b.url).get(`/history/${chatId}`).set(v.auth).expect(200);
    expect(history.body.map((h: { text: string }) => h.text)).to.deep.equal([
      "📎 report.pdf",
      "see these\n📎 photo.jpg",
    ]);
    expect(history.body[0]).to.not.have.property("attachments");

    // The origin cannot send files: a frame naming an upload is only text, the upload stays free.
    const spare = await upload({ uploaderId: v.id, name: "spare.txt" });
    const frame = JSON.stringify({ text: "", attachment_ids: [spare] });
    await ws.say(frame);
    const [last] = (await page(b.url, v, chatId, "?limit=1")).messages;
    expect(last.text).to.equal(frame);
    expect(last).to.not.have.property("attachments");
    const again = await request(b.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(v.auth)
      .send({ client_id: crypto.randomUUID(), attachment_ids: [spare] })
      .expect(201);
    expect(again.body.message.attachments.map((x: Attachment) => x.id)).to.deep.equal([spare]);
  });

  it("a removed member's catch-up does not include the chat or its files", async () => {
    const { a, b } = nodes;
    const { u, w, chatId, pdf } = await cast();
    const sw = await devices.connect(b.url, w);
    await request(a.url).delete(`/api/v1/chats/${chatId}/members/${w.id}`).set(u.auth).expect(200);
    const su = await devices.connect(a.url, u);
    await su.send(chatId, "after W left", undefined, { attachmentIds: [pdf] });
    const all = await sw.request("sync", {});
    expect(all.chats.map((c) => c.chat_id)).to.not.include(chatId);
    const asked = await sw.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] }).catch((e) => e);
    expect(asked.code).to.equal("not_a_member");
    await request(b.url).get(`/api/v1/chats/${chatId}/messages`).set(w.auth).expect(403);
  });
});
