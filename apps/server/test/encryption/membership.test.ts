/**
 * Encrypted chats when membership changes (issue 17): adding a member (sees new messages, not
 * old), removing one (the server's Remove proposal, committed by the next committer; nothing after
 * decrypts for them), two commits at once (one wins, the other rebases, nobody forks), a device
 * offline for several epochs catching up by sync, a new device joining by external commit.
 */
import { expect } from "chai";
import request from "supertest";
import { AckError } from "@chat/client";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import {
  atEpoch,
  conflictsIn,
  encryptedChat,
  raceNextSends,
  startGroup,
  textsOf,
  useDevices,
} from "./mls-fixture.ts";

describe("encrypted chats: membership changes, conflicts and catch-up", function () {
  this.timeout(90_000);
  const nodes = useTwoNodes({});
  const { device, reconnect } = useDevices();

  it("a member added later reads what comes after, not before; a removed member reads nothing after", async () => {
    const { a, b } = nodes;
    const [alice, bob, carol] = await Promise.all([
      createUser(a.url, "Alice"),
      createUser(a.url, "Bob"),
      createUser(b.url, "Carol"),
    ]);
    const chatId = await encryptedChat(a.url, alice, [bob]);
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    await startGroup(a1, chatId, [bob], [b1]);
    await a1.mls.send(chatId, "before carol");
    await eventually(() => expect(textsOf(b1, chatId)).to.deep.equal(["before carol"]));

    await request(a.url)
      .post(`/api/v1/chats/${chatId}/members`)
      .set(alice.auth)
      .send({ user_id: carol.id })
      .expect(200);
    const c1 = await device(b.url, carol, "c1");
    await a1.mls.addUsers(chatId, [bob.id, carol.id]);
    await atEpoch([a1, b1, c1], chatId, 2n);
    await b1.mls.send(chatId, "carol is here");
    await eventually(() => expect(textsOf(c1, chatId).at(-1)).to.equal("carol is here"));
    expect(textsOf(c1, chatId)).to.not.include("before carol");

    // Bob is removed in the database: the server proposes his removal (an MLS proposal in the
    // chat's seq), and the next commit must carry it.
    await request(b.url).delete(`/api/v1/chats/${chatId}/members/${bob.id}`).set(alice.auth).expect(200);
    const page = await request(a.url)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0&limit=100`)
      .set(alice.auth)
      .expect(200);
    const proposals = page.body.messages.filter(
      (m: { mls?: { kind: string } }) => m.mls?.kind === "proposal",
    );
    expect(proposals).to.have.length(1);
    expect(proposals[0].mls.device_id).to.equal(null);
    await c1.mls.catchUp(chatId);
    await c1.mls.commitPending(chatId);
    await atEpoch([a1, c1], chatId, 3n);
    expect(a1.mls.members(chatId)).to.have.members([a1.mls.me.deviceId, c1.mls.me.deviceId]);
    await a1.mls.send(chatId, "bob is gone");
    await eventually(() => expect(textsOf(c1, chatId).at(-1)).to.equal("bob is gone"));
    // Bob's device stopped at the commit that removed it: it reads nothing after.
    expect(textsOf(b1, chatId)).to.not.include("bob is gone");
    expect(b1.mls.epoch(chatId)).to.not.equal(3n);
  });

  it("a commit that keeps a removed member is refused until it removes them", async () => {
    const { a, b } = nodes;
    const [alice, bob] = await Promise.all([createUser(a.url, "Alice"), createUser(b.url, "Bob")]);
    const carol = await createUser(a.url, "Carol");
    const chatId = await encryptedChat(a.url, alice, [bob, carol]);
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    const c1 = await device(a.url, carol, "c1");
    await startGroup(a1, chatId, [bob, carol], [b1, c1]);
    // Carol leaves while Bob's device is not listening (its messages wait in the socket queue
    // until the commit: the commit is made from the state before the server's proposal).
    b1.socket.socket.disconnect();
    await request(a.url).delete(`/api/v1/chats/${chatId}/members/${carol.id}`).set(carol.auth).expect(200);
    const b1again = await reconnect(b1, b.url);
    // Bob commits: refused (epoch_conflict naming Carol's device), caught up, committed again.
    await b1again.mls.commitPending(chatId);
    await atEpoch([a1, b1again], chatId, 2n);
    expect(b1again.mls.members(chatId)).to.not.include(c1.mls.me.deviceId);
  });

  it("two members commit at once: one wins, the other rebases, both end in the same epoch with everyone", async () => {
    const { a, b } = nodes;
    const [alice, bob, carol, dave] = await Promise.all(
      ["Alice", "Bob", "Carol", "Dave"].map((n) => createUser(a.url, n)),
    );
    const chatId = await encryptedChat(a.url, alice, [bob, carol, dave]);
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    const c1 = await device(a.url, carol, "c1");
    const d1 = await device(b.url, dave, "d1");
    await startGroup(a1, chatId, [bob], [b1]);
    // Alice adds Carol while Bob adds Dave, both from epoch 1 (each commit is held until both are built).
    const sends = raceNextSends([a1, b1]);
    await Promise.all([a1.mls.addUsers(chatId, [carol.id]), b1.mls.addUsers(chatId, [dave.id])]);
    await atEpoch([a1, b1, c1, d1], chatId, 3n);
    // One was refused (epoch_conflict) and made again from epoch 2; one commit per epoch.
    expect(conflictsIn(sends)).to.equal(1);
    expect(sends.flat().filter((r) => r.duplicate === false)).to.have.length(2);
    for (const d of [a1, b1, c1, d1])
      expect(d.mls.members(chatId), d.name).to.have.members([a1, b1, c1, d1].map((x) => x.mls.me.deviceId));
    await d1.mls.send(chatId, "no fork");
    for (const d of [a1, b1, c1])
      await eventually(() => expect(textsOf(d, chatId).at(-1)).to.equal("no fork"));
  });

  it("a device offline for several epochs catches up by sync; a new device of a member joins by external commit", async () => {
    const { a, b } = nodes;
    const [alice, bob] = await Promise.all([createUser(a.url, "Alice"), createUser(b.url, "Bob")]);
    const chatId = await encryptedChat(a.url, alice, [bob]);
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    await startGroup(a1, chatId, [bob], [b1]);
    b1.socket.close();
    // Three epochs and messages in between while b1 is away.
    for (let i = 0; i < 3; i++) {
      await a1.mls.commitPending(chatId);
      await a1.mls.send(chatId, `away ${i}`);
    }
    expect(a1.mls.epoch(chatId)).to.equal(4n);
    const back = await reconnect(b1, a.url);
    await back.mls.catchUp(chatId);
    expect(back.mls.epoch(chatId)).to.equal(4n);
    expect(textsOf(back, chatId).slice(-3)).to.deep.equal(["away 0", "away 1", "away 2"]);

    // Bob's new phone: no Welcome for it, it joins from the latest GroupInfo.
    const b2 = await device(a.url, bob, "b2", 0);
    b2.socket.track(chatId, 0);
    await b2.mls.joinExternally(chatId);
    await atEpoch([a1, back, b2], chatId, 5n);
    await b2.mls.send(chatId, "new phone");
    await eventually(() => expect(textsOf(a1, chatId).at(-1)).to.equal("new phone"));
    await eventually(() => expect(textsOf(back, chatId).at(-1)).to.equal("new phone"));
    // What came before it joined is not readable there: only its own message is.
    expect(
      b2.mls.messages
        .get(chatId)
        ?.filter((m) => m.text !== null)
        .map((m) => m.text),
    ).to.deep.equal(["new phone"]);
  });

  it("a device offline when it is added joins from the Welcome its sync brings", async () => {
    const { a, b } = nodes;
    const [alice, bob] = await Promise.all([createUser(a.url, "Alice"), createUser(b.url, "Bob")]);
    const chatId = await encryptedChat(a.url, alice, [bob]);
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    await a1.mls.createGroup(chatId);
    // Bob's device knows the chat (from its list) but is away while it is added.
    b1.socket.track(chatId, 0);
    b1.socket.close();
    await a1.mls.addUsers(chatId, [bob.id]);
    await a1.mls.send(chatId, "while you were away");
    const back = await reconnect(b1, a.url);
    await back.socket.resync();
    await eventually(() => expect(textsOf(back, chatId)).to.deep.equal(["while you were away"]));
    expect(back.mls.epoch(chatId)).to.equal(1n);
  });

  it("a private chat whose peer has no device yet: the creator talks alone, the peer's first device joins by external commit", async () => {
    const { a, b } = nodes;
    const [alice, bob] = await Promise.all([createUser(a.url, "Alice"), createUser(b.url, "Bob")]);
    const chatId = await encryptedChat(a.url, alice, [bob], "private");
    const a1 = await device(a.url, alice, "a1");
    await a1.mls.createGroup(chatId);
    await a1.mls.addUsers(chatId, [bob.id]);
    expect(a1.mls.epoch(chatId)).to.equal(1n);
    await a1.mls.send(chatId, "are you there?");
    const b1 = await device(b.url, bob, "b1", 0);
    await b1.mls.joinExternally(chatId);
    await a1.mls.send(chatId, "welcome");
    await eventually(() => expect(textsOf(b1, chatId)).to.deep.equal([null, "welcome"]));
  });

  it("a removed device's sockets drop; a device that is not in the group cannot send into it", async () => {
    const { a, b } = nodes;
    const [alice, bob] = await Promise.all([createUser(a.url, "Alice"), createUser(b.url, "Bob")]);
    const chatId = await encryptedChat(a.url, alice, [bob]);
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    const stranger = await device(a.url, bob, "b-not-added", 0);
    await a1.mls.createGroup(chatId);
    await a1.mls.addDevices(chatId, [b1.mls.me.deviceId]);
    await atEpoch([b1], chatId, 1n);
    // A device outside the group: it has no group state to encrypt with, so replay b1's bytes.
    const out = await b1.mls.send(chatId, "from b1");
    const replay = await stranger.socket
      .request("mls:send", { chat_id: chatId, client_id: crypto.randomUUID(), data: out.mls!.data })
      .catch((e: unknown) => e);
    expect((replay as AckError).code).to.equal("forbidden");

    const dropped = new Promise<void>((resolve) => b1.socket.socket.once("disconnect", () => resolve()));
    await request(b.url).delete(`/api/v1/devices/${b1.mls.me.deviceId}`).set(bob.auth).expect(200);
    await dropped;
    // The server proposed its removal from the group.
    const page = await request(a.url)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0`)
      .set(alice.auth)
      .expect(200);
    expect(page.body.messages.at(-1).mls.kind).to.equal("proposal");
    await a1.mls.catchUp(chatId);
    await a1.mls.commitPending(chatId);
    expect(a1.mls.members(chatId)).to.deep.equal([a1.mls.me.deviceId]);
  });
});
