/**
 * Closing the removal gap (issue 17): when the server proposes a member's removal, the remaining
 * members' clients commit it on their own within a short, jittered delay, so the removed member's
 * devices stop reading without anyone calling `commitPending`; when several members race, one
 * commit wins and the others find nothing left to commit.
 */
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { encryptedChat, startGroup, textsOf, useDevices } from "./mls-fixture.ts";

describe("encrypted chats: the server's Remove proposal is committed by the members on their own", function () {
  this.timeout(60_000);
  const nodes = useTwoNodes({});
  const { device } = useDevices();
  const auto = { autoCommit: { minMs: 50, maxMs: 600 } } as const;
  const scripted = { autoCommit: false } as const;

  /** Alice, Bob and Carol in an encrypted group over both nodes, one device each, at epoch 1. */
  async function threeInAGroup(options: typeof auto | typeof scripted) {
    const { a, b } = nodes;
    const [alice, bob, carol] = await Promise.all([
      createUser(a.url, "Alice"),
      createUser(b.url, "Bob"),
      createUser(a.url, "Carol"),
    ]);
    const chatId = await encryptedChat(a.url, alice, [bob, carol]);
    const a1 = await device(a.url, alice, "a1", 5, options);
    const b1 = await device(b.url, bob, "b1", 5, options);
    const c1 = await device(b.url, carol, "c1", 5, options);
    await startGroup(a1, chatId, [bob, carol], [b1, c1]);
    return { a, alice, bob, chatId, a1, b1, c1 };
  }

  it("a removed member reads nothing sent a few seconds after the removal; exactly one commit carries it", async () => {
    const { a, alice, bob, chatId, a1, b1, c1 } = await threeInAGroup(auto);
    await c1.mls.send(chatId, "bob can read this");
    await eventually(() => expect(textsOf(b1, chatId)).to.include("bob can read this"));

    await request(a.url).delete(`/api/v1/chats/${chatId}/members/${bob.id}`).set(alice.auth).expect(200);
    // Nobody calls commitPending: Alice's and Carol's clients commit the proposal themselves.
    await eventually(() => {
      for (const d of [a1, c1]) {
        expect(d.mls.epoch(chatId), d.name).to.equal(2n);
        expect(d.mls.members(chatId), d.name).to.have.members([a1.mls.me.deviceId, c1.mls.me.deviceId]);
      }
    }, 5_000);
    // Bob's device did not commit its own removal and is left behind.
    expect(b1.mls.epoch(chatId)).to.equal(1n);
    await a1.mls.send(chatId, "after bob left");
    await eventually(() => expect(textsOf(c1, chatId)).to.include("after bob left"));
    expect(textsOf(b1, chatId)).to.not.include("after bob left");

    // Both members raced for it; one commit was accepted, the loser found nothing left to commit.
    await new Promise((r) => setTimeout(r, 1_000));
    const page = await request(a.url)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0&limit=100`)
      .set(alice.auth)
      .expect(200);
    const kinds = page.body.messages.map((m: { mls?: { kind: string } }) => m.mls?.kind);
    expect(kinds.filter((k: string) => k === "proposal")).to.have.length(1);
    expect(kinds.slice(kinds.indexOf("proposal")).filter((k: string) => k === "commit")).to.have.length(1);
    expect(a1.mls.epoch(chatId)).to.equal(2n);
  });

  it("a member who sends while the server's Remove proposal is pending commits it first; the removed member cannot read it", async () => {
    const { a, alice, bob, chatId, a1, b1, c1 } = await threeInAGroup(scripted);
    await request(a.url).delete(`/api/v1/chats/${chatId}/members/${bob.id}`).set(alice.auth).expect(200);
    // Alice's device has the proposal and nobody committed it (no automatic commits here).
    await a1.mls.catchUp(chatId);
    await a1.mls.send(chatId, "sent with bob's removal pending");
    await eventually(() => expect(textsOf(c1, chatId)).to.include("sent with bob's removal pending"));
    expect(a1.mls.members(chatId)).to.have.members([a1.mls.me.deviceId, c1.mls.me.deviceId]);
    expect(textsOf(b1, chatId)).to.not.include("sent with bob's removal pending");
  });

  it("while the group holds a device that should be gone, a send is refused until its removal is proposed and committed", async () => {
    const { a, bob, chatId, a1, b1, c1 } = await threeInAGroup(scripted);
    // Bob leaves the chat but the server's Remove proposal is lost (it is best effort): the
    // database changes behind the Delivery Service's back, no proposal in the seq.
    const db = new pg.Client({ connectionString: a.databaseUrl });
    await db.connect();
    try {
      await db.query("DELETE FROM chat_members WHERE chat_id = $1 AND user_id = $2", [chatId, bob.id]);
    } finally {
      await db.end();
    }
    // Alice's send meets epoch_conflict; the server proposes the removal again, her client
    // catches up, commits it, and sends in the new epoch.
    const sent = await a1.mls.send(chatId, "not for bob");
    expect(sent.mls!.epoch).to.equal(2);
    expect(a1.mls.members(chatId)).to.have.members([a1.mls.me.deviceId, c1.mls.me.deviceId]);
    await eventually(() => expect(textsOf(c1, chatId)).to.include("not for bob"));
    await new Promise((r) => setTimeout(r, 300));
    expect(textsOf(b1, chatId)).to.not.include("not for bob");
  });
});
