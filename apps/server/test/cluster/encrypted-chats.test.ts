/**
 * Encrypted chats on the 3-node cluster (issue 17): 3 users × 2 devices, each user's devices on
 * different nodes (child processes, Redis, one PostgreSQL). Create, talk, add a member (reads what
 * follows, not what came before), an account deleted (the server's Remove proposal; the next
 * commit removes its devices, which read nothing after), receipts on metadata.
 */
import { expect } from "chai";
import request from "supertest";
import { spawnExtraNode, useCluster } from "./cluster-fixture.ts";
import { createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import {
  atEpoch as atEpochWithin,
  encryptedChat,
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
  const { device } = useMlsDevices();

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

  it("the node taking a commit is SIGKILLed: the device resends the same commit on another node, the group does not fork", async () => {
    const [n1, n2] = c.urls;
    const doomed = await spawnExtraNode(c, "e2e-kill");
    const alice = await createUser(n1, "Alice");
    const bob = await createUser(n2, "Bob");
    const chatId = await encryptedChat(n1, alice, [bob]);
    const a1 = await device([doomed.url, n1], alice, "a1");
    const b1 = await device(n2, bob, "b1");
    const b2 = await device(n1, bob, "b2");
    await startGroup(a1, chatId, [bob], [b1, b2], 15_000);
    // The commit goes to the doomed node, which dies at once (before or after storing it).
    const committing = a1.mls.commitPending(chatId);
    await doomed.kill("SIGKILL");
    await committing;
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
