import { expect } from "chai";
import { AckError } from "@chat/client";
import request from "supertest";
import { twoMembersThreeDevices, useCluster } from "./cluster-fixture.ts";
import { record, recordMessages } from "./devices.ts";
import { eventually } from "../support/wait.ts";

describe("cluster: editing and deleting messages", () => {
  const c = useCluster();
  const { devices } = c;

  it("broadcasts message:updated and message:deleted to every device on every node", async () => {
    const n3 = c.urls[2];
    const { v, chatId, a, b, sv } = await twoMembersThreeDevices(c);
    const all = [a, b, sv];
    const updated = all.map((s) => record(s, "message:updated"));
    const deleted = all.map((s) => record(s, "message:deleted"));
    const m = (await a.send(chatId, "helo")).message;

    const edited = await b.request("message:edit", { chat_id: chatId, message_id: m.id, text: "hello" });
    expect(edited).to.include({ id: m.id, seq: m.seq, text: "hello" });
    expect(edited.edited_at).to.be.a("string");
    await eventually(() => {
      for (const e of updated) expect(e).to.deep.equal([edited]);
    });

    // Only the sender may change a message.
    const notMine = await sv
      .request("message:edit", { chat_id: chatId, message_id: m.id, text: "hijack" })
      .catch((e: unknown) => e);
    expect((notMine as AckError).code).to.equal("forbidden");
    const notMineDel = await sv
      .request("message:delete", { chat_id: chatId, message_id: m.id })
      .catch((e: unknown) => e);
    expect((notMineDel as AckError).code).to.equal("forbidden");

    const gone = await a.request("message:delete", { chat_id: chatId, message_id: m.id });
    expect(gone).to.include({ id: m.id, seq: m.seq, text: "" });
    expect(gone.deleted_at).to.be.a("string");
    await eventually(() => {
      for (const d of deleted) expect(d).to.deep.equal([gone]);
    });
    // Deleting again answers the same and broadcasts nothing; editing a deleted message is a conflict.
    expect(await b.request("message:delete", { chat_id: chatId, message_id: m.id })).to.deep.equal(gone);
    const late = await a
      .request("message:edit", { chat_id: chatId, message_id: m.id, text: "undo" })
      .catch((e: unknown) => e);
    expect((late as AckError).code).to.equal("conflict");
    // The seq stays (no gap for anyone syncing); the text is gone everywhere.
    const page = await request(n3)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0`)
      .set(v.auth)
      .expect(200);
    expect(page.body.messages).to.deep.equal([gone]);
    // Barrier: a message from node 3 (where the repeated delete ran) reaches everyone after any
    // second message:deleted would have.
    const news = all.map((s) => recordMessages(s));
    const barrier = (await b.send(chatId, "after")).message;
    await eventually(() => {
      for (const n of news) expect(n.map((x) => x.id)).to.deep.equal([barrier.id]);
    });
    const s = await sv.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] });
    expect(s.chats[0].messages).to.deep.equal([gone, barrier]);
    for (const d of deleted) expect(d).to.have.length(1);
    for (const e of updated) expect(e).to.have.length(1);
  });
});
