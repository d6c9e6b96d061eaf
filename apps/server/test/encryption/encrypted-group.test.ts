/**
 * Encrypted chats end to end (issue 17): real nodes, PostgreSQL and Redis, devices running
 * packages/client's MLS half (ts-mls). The server orders and relays only MLS bytes.
 */
import { expect } from "chai";
import request from "supertest";
import { AckError, mlsSuite } from "@chat/client";
import { createApplicationMessage, encodeMlsMessage } from "ts-mls";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { encryptedChat, startGroup, textsOf, useDevices } from "./mls-fixture.ts";

describe("encrypted chats: 2 users × 2 devices over 2 nodes", function () {
  this.timeout(60_000);
  const nodes = useTwoNodes({});
  const { device } = useDevices();

  it("create, talk, every device reads every other device's messages; the server only relays MLS", async () => {
    const { a, b } = nodes;
    const alice = await createUser(a.url, "Alice");
    const bob = await createUser(b.url, "Bob");
    const created = await request(a.url)
      .post("/api/v1/chats")
      .set(alice.auth)
      .send({ chat_type: "private", member_ids: [bob.id], encrypted: true })
      .expect(201);
    const chatId = created.body.chat_id as number;
    expect(created.body.chat.encrypted).to.equal(true);
    // A pair may have one plain private chat besides the encrypted one.
    const plain = await request(a.url)
      .post("/api/v1/chats")
      .set(alice.auth)
      .send({ chat_type: "private", member_ids: [bob.id] })
      .expect(201);
    expect(plain.body.chat_id).to.not.equal(chatId);

    const a1 = await device(a.url, alice, "alice-laptop");
    const a2 = await device(b.url, alice, "alice-phone");
    const b1 = await device(b.url, bob, "bob-laptop");
    const b2 = await device(a.url, bob, "bob-phone");

    await startGroup(a1, chatId, [bob], [a2, b1, b2]);
    expect(a1.mls.members(chatId)).to.have.length(4);

    await a1.mls.send(chatId, "hello from alice's laptop");
    await b1.mls.send(chatId, "hi from bob's laptop");
    await a2.mls.send(chatId, "alice's phone here");
    for (const d of [a1, a2, b1, b2]) {
      await eventually(() =>
        expect(textsOf(d, chatId)).to.deep.equal([
          "hello from alice's laptop",
          "hi from bob's laptop",
          "alice's phone here",
        ]),
      );
    }

    // Plaintext is refused in an encrypted chat, over REST and over the socket.
    const rest = await request(a.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(alice.auth)
      .send({ client_id: crypto.randomUUID(), text: "in the clear" });
    expect(rest.status).to.equal(409);
    expect(rest.body.error.code).to.equal("encrypted_chat");
    const sock = await a1.socket
      .request("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: "in the clear" })
      .catch((e: unknown) => e);
    expect((sock as AckError).code).to.equal("encrypted_chat");

    // What the server keeps: MLS bytes, kinds, epochs; the list shows a placeholder.
    const page = await request(b.url)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0`)
      .set(bob.auth)
      .expect(200);
    expect(page.body.messages.map((m: { mls: { kind: string } }) => m.mls.kind)).to.deep.equal([
      "commit",
      "application",
      "application",
      "application",
    ]);
    expect(page.body.messages.every((m: { text: string }) => m.text === "")).to.equal(true);
    const list = await request(b.url).get("/api/v1/chats").set(bob.auth).expect(200);
    const summary = list.body.chats.find((c: { id: number }) => c.id === chatId);
    expect(summary.last_message_preview).to.equal("🔒 Encrypted message");
    expect(summary.unread_count).to.equal(2);
  });

  it("an application message of the epoch before is taken within the grace window, and read by all", async () => {
    const { a, b } = nodes;
    const alice = await createUser(a.url, "Alice");
    const bob = await createUser(b.url, "Bob");
    const chatId = await encryptedChat(a.url, alice, [bob], "private");
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    await startGroup(a1, chatId, [bob], [b1]);
    // Bob encrypts at epoch 1 while Alice's commit to epoch 2 overtakes it.
    const cs = await mlsSuite();
    const made = await createApplicationMessage(
      (await b1.mls.store.loadGroup(chatId))!,
      new TextEncoder().encode("written at epoch 1"),
      cs,
    );
    await a1.mls.commitPending(chatId);
    const late = await b1.socket.request("mls:send", {
      chat_id: chatId,
      client_id: crypto.randomUUID(),
      data: Buffer.from(
        encodeMlsMessage({
          version: "mls10",
          wireformat: "mls_private_message",
          privateMessage: made.privateMessage,
        }),
      ).toString("base64"),
    });
    expect(late.message.mls).to.include({ kind: "application", epoch: 1 });
    await eventually(() => expect(textsOf(a1, chatId)).to.deep.equal(["written at epoch 1"]));
  });
});
