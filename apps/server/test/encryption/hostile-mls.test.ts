/**
 * Hostile MLS input (issue 17): garbage bytes, the wrong group, oversized messages, old epochs,
 * commits the Delivery Service cannot check — each an error ack with a catalogue code, never a
 * 500, and nothing stored.
 */
import { expect } from "chai";
import request from "supertest";
import {
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
} from "ts-mls";
import { AckError, mlsSuite } from "@chat/client";
import { MLS_MAX_B64, mlsGroupId, mlsIdentity } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";
import { claimKeyPackages, encryptedChat, startGroup, useDevices, type MlsDevice } from "./mls-fixture.ts";

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

async function refusal(d: MlsDevice, payload: Record<string, unknown>): Promise<string> {
  const err = await d.socket
    .request("mls:send", { client_id: crypto.randomUUID(), ...payload } as never)
    .then(() => "accepted")
    .catch((e: unknown) => (e instanceof AckError ? e.code : String(e)));
  return err;
}

describe("encrypted chats: hostile MLS input", function () {
  this.timeout(60_000);
  const node = useNode();
  const { device } = useDevices();

  it("garbage, wrong group, oversized, old epochs, unverifiable commits: error acks, nothing stored", async () => {
    const alice = await createUser(node.url, "Alice");
    const bob = await createUser(node.url, "Bob");
    const chatId = await encryptedChat(node.url, alice, [bob]);
    const otherChat = await encryptedChat(node.url, alice, [bob]);
    const a1 = await device(node.url, alice, "a1");
    const b1 = await device(node.url, bob, "b1");
    await startGroup(a1, chatId, [bob], [b1]);
    await a1.mls.createGroup(otherChat);
    const first = await a1.mls.send(chatId, "first");
    const before = (await request(node.url).get(`/api/v1/chats/${chatId}`).set(alice.auth).expect(200)).body
      .last_seq;

    expect(await refusal(a1, { chat_id: chatId, data: b64(Buffer.from("garbage garbage")) })).to.equal(
      "mls_rejected",
    );
    // A valid MLSMessage of the wrong kind: a KeyPackage.
    const kp = (await claimKeyPackages(node.url, alice, [b1.mls.me.deviceId])).key_packages[0].key_package;
    expect(await refusal(a1, { chat_id: chatId, data: kp })).to.equal("mls_rejected");
    // Another group's message.
    const elsewhere = await a1.mls.send(otherChat, "elsewhere").catch((e: unknown) => e);
    expect((elsewhere as AckError).code).to.equal("forbidden"); // alone in its group at epoch 0: not known yet
    const st = (await a1.mls.store.loadGroup(otherChat))!;
    const cs = await mlsSuite();
    const { createApplicationMessage } = await import("ts-mls");
    const foreign = await createApplicationMessage(st, new TextEncoder().encode("x"), cs);
    const foreignBytes = b64(
      encodeMlsMessage({
        version: "mls10",
        wireformat: "mls_private_message",
        privateMessage: foreign.privateMessage,
      }),
    );
    expect(await refusal(a1, { chat_id: chatId, data: foreignBytes })).to.equal("mls_rejected");
    // Oversized: refused by the schema before any decoding.
    expect(await refusal(a1, { chat_id: chatId, data: "A".repeat(MLS_MAX_B64 + 4) })).to.equal(
      "validation_failed",
    );

    // Commits the Delivery Service cannot check: as a PrivateMessage, or without the new GroupInfo.
    const state = (await a1.mls.store.loadGroup(chatId))!;
    const hidden = await createCommit({ state, cipherSuite: cs }, {});
    expect(await refusal(a1, { chat_id: chatId, data: b64(encodeMlsMessage(hidden.commit)) })).to.equal(
      "mls_rejected",
    );
    const open = await createCommit(
      { state, cipherSuite: cs },
      { wireAsPublicMessage: true, ratchetTreeExtension: true },
    );
    expect(await refusal(a1, { chat_id: chatId, data: b64(encodeMlsMessage(open.commit)) })).to.equal(
      "mls_rejected",
    );
    // …or with the GroupInfo of the epoch it starts from, not the one it makes.
    const oldGi = await createGroupInfoWithExternalPubAndRatchetTree(state, [], cs);
    const withOld = {
      chat_id: chatId,
      data: b64(encodeMlsMessage(open.commit)),
      group_info: b64(encodeMlsMessage({ version: "mls10", wireformat: "mls_group_info", groupInfo: oldGi })),
    };
    expect(await refusal(a1, withOld)).to.equal("mls_rejected");
    // …or signed by another member's device than the committing socket's.
    const newGi = await createGroupInfoWithExternalPubAndRatchetTree(open.newState, [], cs);
    const giBytes = b64(
      encodeMlsMessage({ version: "mls10", wireformat: "mls_group_info", groupInfo: newGi }),
    );
    expect(
      await refusal(b1, { chat_id: chatId, data: b64(encodeMlsMessage(open.commit)), group_info: giBytes }),
    ).to.equal("mls_rejected");
    // Garbage group_info and welcomes.
    expect(
      await refusal(a1, {
        chat_id: chatId,
        data: b64(encodeMlsMessage(open.commit)),
        group_info: b64(Buffer.from("nope")),
      }),
    ).to.equal("mls_rejected");
    expect(
      await refusal(a1, {
        chat_id: chatId,
        data: b64(encodeMlsMessage(open.commit)),
        group_info: giBytes,
        welcomes: [{ device_id: crypto.randomUUID(), data: b64(Buffer.from("not a welcome")) }],
      }),
    ).to.equal("mls_rejected");
    // An edit of someone else's message.
    const notMine = await b1.mls.send(chatId, "edit", first.id).catch((e: unknown) => e);
    expect((notMine as AckError).code).to.equal("forbidden");
    // Plaintext edits are refused; commits cannot be deleted (devices catching up need them).
    const plainEdit = await a1.socket
      .request("message:edit", { chat_id: chatId, message_id: first.id, text: "plain" })
      .catch((e: unknown) => e);
    expect((plainEdit as AckError).code).to.equal("encrypted_chat");
    const commitRow = (
      await request(node.url).get(`/api/v1/chats/${chatId}/messages?after_seq=0`).set(alice.auth).expect(200)
    ).body.messages.find((m: { mls: { kind: string } }) => m.mls.kind === "commit");
    const del = await request(node.url)
      .delete(`/api/v1/chats/${chatId}/messages/${commitRow.id}`)
      .set(alice.auth);
    expect(del.status).to.equal(403);
    // An application message is deleted as today: its bytes go, its seq stays.
    const gone = await request(node.url)
      .delete(`/api/v1/chats/${chatId}/messages/${first.id}`)
      .set(alice.auth)
      .expect(200);
    expect(gone.body.mls).to.equal(undefined);
    expect(gone.body.deleted_at).to.be.a("string");
    const after = (await request(node.url).get(`/api/v1/chats/${chatId}`).set(alice.auth).expect(200)).body
      .last_seq;
    expect(after, "nothing stored").to.equal(before);

    // Someone outside the chat, with a device of their own, replaying a member's bytes.
    const mallory = await createUser(node.url, "Mallory");
    const m1 = await device(node.url, mallory, "m1", 0);
    expect(await refusal(m1, { chat_id: chatId, data: first.mls!.data })).to.equal("not_a_member");
    expect(await refusal(m1, { chat_id: 2_000_000, data: first.mls!.data })).to.equal("mls_rejected");

    // Old epochs: two commits later, the first message's bytes (epoch 1) are refused as stale.
    await a1.mls.commitPending(chatId);
    await a1.mls.commitPending(chatId);
    expect(await refusal(a1, { chat_id: chatId, data: first.mls!.data })).to.equal("epoch_conflict");
    // A commit whose ack was lost, sent again with its client_id: stored once, answered as a duplicate.
    const now = (await a1.mls.store.loadGroup(chatId))!;
    const again = await createCommit(
      { state: now, cipherSuite: cs },
      { wireAsPublicMessage: true, ratchetTreeExtension: true },
    );
    const againGi = await createGroupInfoWithExternalPubAndRatchetTree(again.newState, [], cs);
    const resend = {
      chat_id: chatId,
      client_id: crypto.randomUUID(),
      data: b64(encodeMlsMessage(again.commit)),
      group_info: b64(
        encodeMlsMessage({ version: "mls10", wireformat: "mls_group_info", groupInfo: againGi }),
      ),
    };
    const firstTry = await a1.socket.request("mls:send", resend);
    const secondTry = await a1.socket.request("mls:send", resend);
    expect(firstTry.duplicate).to.equal(false);
    expect(secondTry).to.deep.equal({ message: firstTry.message, duplicate: true });
    // A commit of an epoch already taken: epoch_conflict (retryable: catch up and commit again).
    expect(await refusal(a1, { ...withOld, group_info: giBytes })).to.equal("epoch_conflict");
  });

  it("a group that does not list the server as its external sender is refused at its first commit", async () => {
    const alice = await createUser(node.url, "Alice");
    const bob = await createUser(node.url, "Bob");
    const chatId = await encryptedChat(node.url, alice, [bob]);
    const a1 = await device(node.url, alice, "a1");
    // A hostile (or outdated) client makes the group itself, without the external_senders
    // extension: the server's Remove proposals would be refused by every member.
    const cs = await mlsSuite();
    const me = a1.mls.me;
    const kp = await generateKeyPackageWithKey(
      { credentialType: "basic", identity: new TextEncoder().encode(mlsIdentity(me.userId, me.deviceId)) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: me.signaturePrivateKey, publicKey: me.signaturePublicKey },
      cs,
    );
    const state = await createGroup(
      new TextEncoder().encode(mlsGroupId(chatId)),
      kp.publicPackage,
      kp.privatePackage,
      [],
      cs,
    );
    const commit = await createCommit(
      { state, cipherSuite: cs },
      { wireAsPublicMessage: true, ratchetTreeExtension: true },
    );
    const gi = await createGroupInfoWithExternalPubAndRatchetTree(commit.newState, [], cs);
    const err = await a1.socket
      .request("mls:send", {
        chat_id: chatId,
        client_id: crypto.randomUUID(),
        data: b64(encodeMlsMessage(commit.commit)),
        group_info: b64(encodeMlsMessage({ version: "mls10", wireformat: "mls_group_info", groupInfo: gi })),
      })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AckError);
    expect((err as AckError).code).to.equal("mls_rejected");
    expect((err as AckError).message).to.match(/external sender/);
    const chat = (await request(node.url).get(`/api/v1/chats/${chatId}`).set(alice.auth).expect(200)).body;
    expect(chat.last_seq, "nothing stored").to.equal(0);
    // The client's own group (made with the server's key) goes through.
    const b1 = await device(node.url, bob, "b1");
    await startGroup(a1, chatId, [bob], [b1]);
  });
});
