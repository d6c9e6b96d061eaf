/**
 * Who may be in an encrypted chat's group (issue 17): a device refuses a commit that brings in a
 * device its view of the chat's lists does not have — a device missing from its user's registry,
 * or a user who is not a member — and says so; it does not read what follows. The "lying server"
 * is the real one seen through a filter that hides a device or a member from one client's lists,
 * as a server hiding a device it slipped in would.
 */
import { expect } from "chai";
import type { ApiClient, GroupEvent, RestCaller } from "@chat/client";
import { useNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import request from "supertest";
import { atEpoch, encryptedChat, startGroup, textsOf, useDevices } from "./mls-fixture.ts";

/** The server's answers with some devices and members left out of the lists. */
function hiding(hidden: { devices: Set<string>; users: Set<number> }) {
  return (api: ApiClient): RestCaller => ({
    call: (async (name: string, args?: object) => {
      const res = (await api.call(name as never, args as never)) as Record<string, unknown>;
      if (name === "userDevices") {
        const devices = res.devices as { id: string }[];
        return { ...res, devices: devices.filter((d) => !hidden.devices.has(d.id)) };
      }
      if (name === "listMembers") {
        const members = res.members as { id: number }[];
        return { ...res, members: members.filter((m) => !hidden.users.has(m.id)) };
      }
      return res;
    }) as RestCaller["call"],
  });
}

describe("encrypted chats: a device checks who is in the group", function () {
  this.timeout(60_000);
  const node = useNode();
  const { device, reconnect } = useDevices();

  it("a device joining by external commit that its user's list does not have is refused, and flagged", async () => {
    const alice = await createUser(node.url, "Alice");
    const bob = await createUser(node.url, "Bob");
    const chatId = await encryptedChat(node.url, alice, [bob]);
    const hidden = { devices: new Set<string>(), users: new Set<number>() };
    const a1 = await device(node.url, alice, "a1", 5, { autoCommit: false }, hiding(hidden));
    const b1 = await device(node.url, bob, "b1");
    const events: GroupEvent[] = [];
    a1.mls.onGroupEvent((e) => events.push(e));
    const seenByBob: GroupEvent[] = [];
    b1.mls.onGroupEvent((e) => seenByBob.push(e));
    await startGroup(a1, chatId, [bob], [b1]);

    // A second device of Bob's that the server keeps out of the lists it shows Alice.
    const b2 = await device(node.url, bob, "b2");
    hidden.devices.add(b2.mls.me.deviceId);
    await b2.mls.joinExternally(chatId);
    await atEpoch([b1, b2], chatId, 2n);
    // Bob's first device sees the honest lists: it takes the commit and says the devices changed.
    expect(seenByBob.filter((e) => e.kind === "devices").at(-1)).to.deep.include({ kind: "devices", chatId });
    // Alice's device refuses it: it stays in epoch 1, names the device, and reads nothing after.
    await eventually(() =>
      expect(a1.mls.refusals.get(chatId)).to.deep.equal([
        { chatId, reason: "unknown_key", userId: bob.id, deviceId: b2.mls.me.deviceId },
      ]),
    );
    expect(a1.mls.epoch(chatId)).to.equal(1n);
    expect(events.find((e) => e.kind === "refused")).to.deep.include({ kind: "refused", chatId });
    await b2.mls.send(chatId, "from the hidden device");
    await eventually(() => expect(textsOf(b1, chatId)).to.include("from the hidden device"));
    await eventually(() => expect(a1.mls.messages.get(chatId)?.at(-1)?.reason).to.equal("undecryptable"));
    expect(textsOf(a1, chatId)).to.not.include("from the hidden device");
  });

  it("a commit adding the device of a user the chat's member list does not have is refused", async () => {
    const [alice, bob, carol] = await Promise.all(
      ["Alice", "Bob", "Carol"].map((n) => createUser(node.url, n)),
    );
    const chatId = await encryptedChat(node.url, bob, [alice, carol]);
    const hidden = { devices: new Set<string>(), users: new Set([carol.id]) };
    const a1 = await device(node.url, alice, "a1", 5, { autoCommit: false }, hiding(hidden));
    const b1 = await device(node.url, bob, "b1");
    const c1 = await device(node.url, carol, "c1");
    await startGroup(b1, chatId, [alice], [a1]);
    expect((await a1.mls.groupDevices(chatId)).map((d) => d.deviceId)).to.have.members([
      a1.mls.me.deviceId,
      b1.mls.me.deviceId,
    ]);

    await b1.mls.addUsers(chatId, [carol.id]);
    await atEpoch([b1, c1], chatId, 2n);
    await eventually(() =>
      expect(a1.mls.refusals.get(chatId)).to.deep.equal([
        { chatId, reason: "not_member", userId: carol.id, deviceId: c1.mls.me.deviceId },
      ]),
    );
    expect(a1.mls.epoch(chatId)).to.equal(1n);
    // The honest view has the group's leaves: the safety numbers are made from these.
    expect((await b1.mls.groupDevices(chatId)).map((d) => d.userId)).to.have.members([
      alice.id,
      bob.id,
      carol.id,
    ]);
  });

  it("a device offline while a member came and went refuses the old commit, then rejoins the group as it is now: no alarm, it reads and writes", async () => {
    const [alice, bob, carol] = await Promise.all(
      ["Alice", "Bob", "Carol"].map((n) => createUser(node.url, n)),
    );
    const chatId = await encryptedChat(node.url, alice, [bob, carol]);
    const a1 = await device(node.url, alice, "a1");
    const b1 = await device(node.url, bob, "b1");
    const c1 = await device(node.url, carol, "c1");
    await startGroup(a1, chatId, [bob], [b1]);
    b1.socket.close();
    // While Bob's device is away, Carol's device is added (epoch 2), and she leaves (epoch 3).
    await a1.mls.addUsers(chatId, [carol.id]);
    await atEpoch([a1, c1], chatId, 2n);
    await request(node.url).delete(`/api/v1/chats/${chatId}/members/${carol.id}`).set(carol.auth).expect(200);
    await eventually(async () => {
      await a1.mls.commitPending(chatId);
      expect(a1.mls.epoch(chatId)).to.equal(3n);
    });
    // Back: the commit that added Carol names someone who is no longer a member (refused), but
    // the group as it is now holds only listed devices: it rejoins it by external commit.
    const back = await reconnect(b1, node.url);
    await back.mls.catchUp(chatId);
    await atEpoch([a1, back], chatId, 4n);
    expect(back.mls.refusals.get(chatId)).to.equal(undefined);
    expect((await back.mls.groupDevices(chatId)).map((d) => d.deviceId)).to.have.members([
      a1.mls.me.deviceId,
      b1.mls.me.deviceId,
    ]);
    await a1.mls.send(chatId, "welcome back");
    await eventually(() => expect(textsOf(back, chatId)).to.include("welcome back"));
    await back.mls.send(chatId, "glad to be");
    await eventually(() => expect(textsOf(a1, chatId)).to.include("glad to be"));
  });
});
