import { expect } from "chai";
import pg from "pg";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { useDevices } from "../cluster/devices.ts";
import { useOriginClients } from "./origin-client.ts";

/**
 * A removal whose announcement never arrived (no `chat:removed`, no room change: here the row is
 * deleted in SQL, as a lost Redis publish would leave it): the origin socket of the removed member
 * is still open, and still in the rooms, yet the membership view keeps the chat's messages from it,
 * and its frames are refused.
 */
describe("origin websocket: membership is checked at the moment of access", () => {
  const node = useNode();
  const devices = useDevices();
  const clients = useOriginClients();

  it("a member removed without a word gets nothing more, and its frame is refused with ❌ then 1008", async () => {
    const owner = await createUser(node.url, "Owner");
    const x = await createUser(node.url, "X");
    const y = await createUser(node.url, "Y");
    const chatId = await createGroup(node.url, owner, [x, y]);
    const ox = await clients.open(node.url, x, chatId);
    const oy = await clients.open(node.url, y, chatId);
    const so = await devices.connect(node.url, owner);
    await so.send(chatId, "before");
    await ox.frame(`📩 Новое сообщение от ${owner.id}: before`);

    const db = new pg.Client({ connectionString: node.databaseUrl });
    await db.connect();
    try {
      await db.query("DELETE FROM chat_members WHERE chat_id = $1 AND user_id = $2", [chatId, x.id]);
      await db.query("UPDATE chats SET members_version = members_version + 1 WHERE id = $1", [chatId]);
    } finally {
      await db.end();
    }
    await so.send(chatId, "after");
    await oy.frame(`📩 Новое сообщение от ${owner.id}: after`); // the barrier: y got it, x did not
    expect(ox.news()).to.deep.equal([`📩 Новое сообщение от ${owner.id}: before`]);
    expect(ox.closed).to.equal(undefined);

    const from = ox.frames.length;
    ox.send("may I?");
    expect(await ox.frame("❌", from)).to.match(/^❌ not_a_member: /);
    expect(await ox.closeCode()).to.equal(1008);
    expect(oy.news()).to.not.include(`📩 Новое сообщение от ${x.id}: may I?`);
  });
});
