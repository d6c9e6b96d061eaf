import { expect } from "chai";
import { AckError } from "@chat/client";
import request from "supertest";
import { useCluster } from "./cluster-fixture.ts";
import { record, recordMessages } from "./devices.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

describe("cluster: membership changes act on already-open sockets on every node", () => {
  const c = useCluster();
  const { devices } = c;

  it("an added member's open devices get the next message; once removed, nothing more and sync is refused", async () => {
    const [n1, n2, n3] = c.urls;
    const owner = await createUser(n1, "Owner");
    const x = await createUser(n2, "X");
    const chatId = await createGroup(n1, owner, [], "team");
    // A second chat X is in from the start: its messages are the barrier for "nothing more".
    const lobby = await createGroup(n1, owner, [x], "lobby");
    const so = await devices.connect(n1, owner);
    const x2 = await devices.connect(n2, x);
    const x3 = await devices.connect(n3, x);
    const xs = [x2, x3];
    const news = xs.map((s) => recordMessages(s));
    const added = xs.map((s) => record(s, "chat:added"));
    const removed = xs.map((s) => record(s, "chat:removed"));
    const updates = record(so, "chat:updated");

    const before = (await so.send(chatId, "before X joined")).message;

    // The origin's form: POST /chats/{id}/members?user_id=N, on node 3 this time.
    await request(n3).post(`/api/v1/chats/${chatId}/members?user_id=${x.id}`).set(owner.auth).expect(200);
    await eventually(() => {
      for (const a of added) expect(a.map((e) => e.chat.id)).to.deep.equal([chatId]);
      expect(updates.map((u) => [u.change, u.user_id])).to.deep.equal([["member_added", x.id]]);
    });
    const m1 = (await so.send(chatId, "welcome X")).message;
    await eventually(() => {
      for (const n of news) expect(n.map((m) => m.id)).to.deep.equal([m1.id]);
    });
    expect(news[0].map((m) => m.id)).not.to.include(before.id);
    // The new member may write, and sync the chat.
    const reply = (await x3.send(chatId, "thanks")).message;
    const synced = await x2.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] });
    expect(synced.chats[0].messages.map((m) => m.id)).to.deep.equal([before.id, m1.id, reply.id]);

    // Removed (REST DELETE on node 2): both devices are told, then get nothing more of that chat.
    await request(n2).delete(`/api/v1/chats/${chatId}/members/${x.id}`).set(owner.auth).expect(200);
    await eventually(() => {
      for (const r of removed) expect(r).to.deep.equal([{ chat_id: chatId }]);
    });
    const after = (await so.send(chatId, "X is gone")).message;
    const mark = (await so.send(lobby, "barrier")).message;
    await eventually(() => {
      for (const n of news) expect(n.map((m) => m.id)).to.include(mark.id);
    });
    for (const n of news) {
      expect(n.map((m) => m.id)).not.to.include(after.id);
      expect(n.map((m) => m.id)).to.deep.equal([m1.id, reply.id, mark.id]);
    }

    for (const s of xs) {
      const err = await s.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] }).catch((e) => e);
      expect(err).to.be.instanceOf(AckError);
      expect((err as AckError).code).to.equal("not_a_member");
      const send = await s
        .request("message:send", {
          chat_id: chatId,
          client_id: crypto.randomUUID(),
          text: "still here?",
        })
        .catch((e) => e);
      expect((send as AckError).code).to.equal("not_a_member");
      const typing = await s.request("typing", { chat_id: chatId, is_typing: true }).catch((e) => e);
      expect((typing as AckError).code).to.equal("not_a_member");
      // The chat they are still in syncs as before.
      const ok = await s.request("sync", { chats: [{ chat_id: lobby, after_seq: 0 }] });
      expect(ok.chats[0].messages.map((m) => m.id)).to.deep.equal([mark.id]);
    }
  });
});
