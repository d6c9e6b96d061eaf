/**
 * Replies over Socket.IO across nodes (issue 18): `message:send` with `reply_to` answers the quote
 * in its ack, and `message:new` carries the same quote to every device of both members on the
 * other nodes; a retry answers the stored reply; bad targets are refused with nothing stored.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import type { AckError } from "@chat/client";
import { twoMembersThreeDevices, useCluster } from "./cluster-fixture.ts";
import { recordMessages } from "./devices.ts";
import { eventually } from "../support/wait.ts";
import { createGroup } from "../support/users.ts";

type Uuid = `${string}-${string}-${string}-${string}-${string}`;

describe("cluster: replies over Socket.IO", () => {
  const c = useCluster();

  it("message:send with reply_to: the quote in the ack and in message:new on the other nodes, also for a retry", async () => {
    const { u, v, chatId, a, b, sv } = await twoMembersThreeDevices(c);
    const original = (await sv.send(chatId, "Lunch at one? Встречаемся у входа")).message; // V on node 2
    const onB = recordMessages(b); // U's other device, node 3
    const onSv = recordMessages(sv);
    const clientId = crypto.randomUUID() as Uuid;
    const send = () =>
      a.request("message:send", {
        chat_id: chatId,
        client_id: clientId,
        text: "Yes, see you",
        reply_to: original.id,
      });
    const ack = await send(); // U on node 1
    const quote = {
      id: original.id,
      seq: original.seq,
      sender_id: v.id,
      snippet: "Lunch at one? Встречаемся у входа",
      deleted: false,
    };
    expect(ack.duplicate).to.not.equal(true);
    expect(ack.message).to.include({ sender_id: u.id, text: "Yes, see you" });
    expect(ack.message.reply_to).to.deep.equal(quote);
    await eventually(() => {
      for (const got of [onB, onSv]) {
        const m = got.find((x) => x.id === ack.message.id);
        expect(m, "message:new on another node").to.not.equal(undefined);
        expect(m).to.deep.equal(ack.message);
      }
    });
    // A retry of the same client_id: the stored reply, quote included, and no second message:new.
    const again = await send();
    expect(again.duplicate).to.equal(true);
    expect(again.message).to.deep.equal(ack.message);
    // The client library's send takes replyTo.
    const viaClient = await sv.send(chatId, "Great", undefined, { replyTo: ack.message.id });
    expect(viaClient.message.reply_to).to.deep.equal({
      id: ack.message.id,
      seq: ack.message.seq,
      sender_id: u.id,
      snippet: "Yes, see you",
      deleted: false,
    });
    await eventually(() =>
      expect(onB.find((x) => x.id === viaClient.message.id)?.reply_to?.id).to.equal(ack.message.id),
    );
    expect(onB.filter((x) => x.id === ack.message.id)).to.have.length(1);
  });

  it("refuses a reply to another chat's message, to a deleted one, and a malformed reply_to: an error ack, nothing stored", async () => {
    const { u, chatId, a } = await twoMembersThreeDevices(c);
    const elsewhere = await createGroup(c.urls[0], u, []);
    const foreign = (await a.send(elsewhere, "not in that chat")).message;
    const gone = (await a.send(chatId, "deleted soon")).message;
    await a.request("message:delete", { chat_id: chatId, message_id: gone.id });
    const reply = (replyTo: unknown) =>
      a
        .request("message:send", {
          chat_id: chatId,
          client_id: crypto.randomUUID() as Uuid,
          text: "a reply",
          reply_to: replyTo as number,
        })
        .then(
          () => "ok",
          (e: AckError) => e.code,
        );
    expect(await reply(foreign.id)).to.equal("message_not_found");
    expect(await reply(2_000_000_000)).to.equal("message_not_found");
    expect(await reply(gone.id)).to.equal("conflict");
    for (const bad of ["1", -1, 0, 1.5, null, { id: 1 }])
      expect(await reply(bad), JSON.stringify(bad)).to.equal("validation_failed");
    const synced = await a.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] });
    expect(synced.chats[0].messages.map((m) => m.text)).to.deep.equal([""]); // the deleted one only
  });
});
