/**
 * Encrypted chats on the 3-node cluster (issue 17): 3 users × 2 devices, each user's devices on
 * different nodes (child processes, Redis, one PostgreSQL). Create, talk, add a member (reads what
 * follows, not what came before), an account deleted (the server's Remove proposal; the next
 * commit removes its devices, which read nothing after), receipts on metadata; two commits at
 * once, a new device by external commit, a device offline for several epochs, an admin removal
 * and a leave; a node SIGKILLed between storing a commit and answering it.
 */
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import { spawnExtraNode, useCluster } from "./cluster-fixture.ts";
import { createUser } from "../support/users.ts";
import { startStallProxy } from "../support/stall-proxy.ts";
import { eventually } from "../support/wait.ts";
import {
  atEpoch as atEpochWithin,
  conflictsIn,
  encryptedChat,
  raceNextSends,
  recordSends,
  startGroup,
  textsOf,
  useDevices as useMlsDevices,
  type MlsDevice,
} from "../encryption/mls-fixture.ts";

/** Child-process nodes on a shared machine: a longer deadline than in-process nodes. */
const atEpoch = (devices: MlsDevice[], chatId: number, epoch: bigint) =>
  atEpochWithin(devices, chatId, epoch, 15_000);

describe("cluster: encrypted chats, 3 users × 2 devices over 3 nodes", function () {
  this.timeout(120_000);
  const c = useCluster();
  const { device, reconnect } = useMlsDevices();

  it("create, talk, add a member, delete an account: every device reads what it should, and only that", async () => {
    const [n1, n2, n3] = c.urls;
    const alice = await createUser(n1, "Alice");
    const bob = await createUser(n2, "Bob");
    const carol = await createUser(n3, "Carol");
    const chatId = await encryptedChat(n1, alice, [bob]);
    const a1 = await device(n1, alice, "a1");
    const a2 = await device(n2, alice, "a2");
    const b1 = await device(n2, bob, "b1");
    const b2 = await device(n3, bob, "b2");
    await startGroup(a1, chatId, [bob], [a2, b1, b2], 15_000);
    await b2.mls.send(chatId, "before carol");
    for (const d of [a1, a2, b1])
      await eventually(() => expect(textsOf(d, chatId)).to.deep.equal(["before carol"]));

    // Carol joins the chat, her two devices join the group (added by Bob's laptop on node 2).
    await request(n3)
      .post(`/api/v1/chats/${chatId}/members`)
      .set(alice.auth)
      .send({ user_id: carol.id })
      .expect(200);
    const c1 = await device(n3, carol, "c1");
    const c2 = await device(n1, carol, "c2");
    await b1.mls.addUsers(chatId, [carol.id]);
    const everyone = [a1, a2, b1, b2, c1, c2];
    await atEpoch(everyone, chatId, 2n);
    await c2.mls.send(chatId, "hello from carol");
    await a2.mls.send(chatId, "welcome carol");
    for (const d of everyone)
      await eventually(() =>
        expect(textsOf(d, chatId).slice(-2), d.name).to.deep.equal(["hello from carol", "welcome carol"]),
      );
    for (const d of [c1, c2]) expect(textsOf(d, chatId)).to.not.include("before carol");

    // Receipts on metadata: Carol reads everything on one device; Alice's message is fully read
    // once Bob has read it too.
    const fully: number[] = [];
    a1.socket.on("receipt:fully_read", (r) => fully.push(...r.message_ids));
    const last = (await request(n1).get(`/api/v1/chats/${chatId}`).set(alice.auth).expect(200)).body.last_seq;
    await c1.socket.read(chatId, last);
    await b2.socket.read(chatId, last);
    await eventually(() => expect(fully.length).to.be.greaterThan(0));
    expect(new Set(fully).size).to.equal(fully.length);

    // Bob deletes his account: the server proposes the removal of both his devices; Carol commits.
    await request(n2).post("/api/v1/me/delete").set(bob.auth).send({ password: bob.password }).expect(200);
    await eventually(async () => {
      const page = await request(n1)
        .get(`/api/v1/chats/${chatId}/messages?after_seq=0&limit=100`)
        .set(alice.auth)
        .expect(200);
      const kinds = page.body.messages.map((m: { mls: { kind: string } }) => m.mls.kind);
      expect(kinds.filter((k: string) => k === "proposal")).to.have.length(2);
    });
    await c1.mls.catchUp(chatId);
    await c1.mls.commitPending(chatId);
    const remaining = [a1, a2, c1, c2];
    await atEpoch(remaining, chatId, 3n);
    for (const d of remaining) expect(d.mls.members(chatId), d.name).to.have.length(4);
    await a1.mls.send(chatId, "bob is gone");
    for (const d of remaining)
      await eventually(() => expect(textsOf(d, chatId).at(-1), d.name).to.equal("bob is gone"));
    for (const d of [b1, b2]) expect(textsOf(d, chatId)).to.not.include("bob is gone");
    // No node logged a word of it.
    for (const n of c.nodes)
      for (const secret of ["before carol", "hello from carol", "welcome carol", "bob is gone"])
        expect(n.logs.join("\n")).to.not.include(secret);
  });

  it("two commits at once, a new device by external commit, a device offline for epochs, an admin removal and a leave", async () => {
    const [n1, n2, n3] = c.urls;
    const alice = await createUser(n1, "Alice");
    const bob = await createUser(n2, "Bob");
    const carol = await createUser(n3, "Carol");
    const chatId = await encryptedChat(n1, alice, [bob, carol]);
    const a1 = await device(n1, alice, "a1");
    const a2 = await device(n2, alice, "a2");
    const b1 = await device(n2, bob, "b1");
    const c1 = await device(n3, carol, "c1");
    const c2 = await device(n1, carol, "c2");
    await startGroup(a1, chatId, [bob, carol], [a2, b1, c1, c2], 15_000);

    // Alice's phone (node 2) and Carol's laptop (node 3) commit at the same moment from epoch 1.
    const sends = raceNextSends([a2, c1]);
    await Promise.all([a2.mls.commitPending(chatId), c1.mls.commitPending(chatId)]);
    expect(conflictsIn(sends), "one of them rebased").to.equal(1);
    await atEpoch([a1, a2, b1, c1, c2], chatId, 3n);

    // Carol's phone goes offline; meanwhile Bob's new tablet joins by external commit (epoch 4)
    // and Alice commits once more (epoch 5), with messages in between.
    c2.socket.close();
    const b2 = await device(n3, bob, "b2", 0);
    await b2.mls.joinExternally(chatId);
    await a1.mls.send(chatId, "bob has a tablet");
    await a1.mls.commitPending(chatId);
    await b2.mls.send(chatId, "hello from the tablet");
    const online = [a1, a2, b1, b2, c1];
    await atEpoch(online, chatId, 5n);
    for (const d of online)
      await eventually(() => expect(textsOf(d, chatId).at(-1), d.name).to.equal("hello from the tablet"));
    const back = await reconnect(c2, n2);
    await back.mls.catchUp(chatId);
    expect(back.mls.epoch(chatId)).to.equal(5n);
    expect(textsOf(back, chatId).slice(-2)).to.deep.equal(["bob has a tablet", "hello from the tablet"]);

    // Alice (the admin) removes Bob; the next sender commits the server's Remove proposals first.
    await request(n3).delete(`/api/v1/chats/${chatId}/members/${bob.id}`).set(alice.auth).expect(200);
    await a2.mls.send(chatId, "bob was removed");
    const left = [a1, a2, c1, back];
    for (const d of left)
      await eventually(() => expect(textsOf(d, chatId).at(-1), d.name).to.equal("bob was removed"));
    for (const d of left) expect(d.mls.members(chatId), d.name).to.have.length(4);
    // Carol leaves on her own; Alice's next message is for Alice's devices only.
    await request(n1).delete(`/api/v1/chats/${chatId}/members/${carol.id}`).set(carol.auth).expect(200);
    await a1.mls.send(chatId, "alone at last");
    await eventually(() => expect(textsOf(a2, chatId).at(-1)).to.equal("alone at last"));
    expect(a1.mls.members(chatId)).to.have.members([a1.mls.me.deviceId, a2.mls.me.deviceId]);
    for (const d of [b1, b2]) expect(textsOf(d, chatId)).to.not.include("bob was removed");
    for (const d of [b1, b2, c1, back]) expect(textsOf(d, chatId)).to.not.include("alone at last");
  });

  it("the node taking a commit is SIGKILLed after storing it, before its answer: the resend on another node is a duplicate, the group does not fork", async () => {
    const [n1, n2] = c.urls;
    const doomed = await spawnExtraNode(c, "e2e-kill");
    // Alice's device reaches the doomed node through a proxy that can hold the node's answers.
    const proxy = await startStallProxy("127.0.0.1", Number(new URL(doomed.url).port));
    const alice = await createUser(n1, "Alice");
    const bob = await createUser(n2, "Bob");
    const chatId = await encryptedChat(n1, alice, [bob]);
    const a1 = await device([`http://127.0.0.1:${proxy.port}`, n1], alice, "a1");
    const b1 = await device(n2, bob, "b1");
    const b2 = await device(n1, bob, "b2");
    await startGroup(a1, chatId, [bob], [b1, b2], 15_000);
    const sends = recordSends(a1);
    const db = new pg.Client({ connectionString: c.databaseUrl });
    await db.connect();
    try {
      proxy.holdAnswers();
      const committing = a1.mls.commitPending(chatId);
      // The doomed node stores the commit (its answer waits in the proxy), then dies.
      await eventually(async () => {
        const { rows } = await db.query(
          "SELECT 1 FROM messages WHERE chat_id = $1 AND kind = 'mls_commit' AND epoch = 1",
          [chatId],
        );
        expect(rows).to.have.length(1);
      }, 15_000);
      await doomed.kill("SIGKILL");
      await proxy.close();
      await committing;
    } finally {
      await db.end();
      await proxy.close();
    }
    // The same commit (same client_id) went again, to node 1, and was answered as a duplicate.
    const answered = sends.filter((r) => r.duplicate !== undefined);
    expect(answered, JSON.stringify(sends)).to.have.length(1);
    expect(answered[0].duplicate).to.equal(true);
    expect(new Set(sends.map((r) => r.client_id)).size).to.equal(1);
    await atEpoch([a1, b1, b2], chatId, 2n);
    const page = await request(n1)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0&limit=100`)
      .set(alice.auth)
      .expect(200);
    const commits = page.body.messages.filter((m: { mls: { kind: string } }) => m.mls.kind === "commit");
    expect(commits.map((m: { mls: { epoch: number } }) => m.mls.epoch)).to.deep.equal([0, 1]);
    await b2.mls.send(chatId, "still one group");
    for (const d of [a1, b1])
      await eventually(() => expect(textsOf(d, chatId).at(-1)).to.equal("still one group"));
  });
});
