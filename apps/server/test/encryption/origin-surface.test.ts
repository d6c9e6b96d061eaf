/**
 * The origin's surfaces cannot speak MLS (issue 17): its WebSocket closes 1008 for an encrypted
 * chat, and its history shows a fixed placeholder instead of ciphertext.
 */
import { expect } from "chai";
import { useNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";
import { useOriginClients } from "../origin-ws/origin-client.ts";
import { originHistory } from "../origin/origin-client.ts";
import { encryptedChat, startGroup, useDevices } from "./mls-fixture.ts";

describe("encrypted chats on the origin's surfaces", function () {
  this.timeout(30_000);
  const node = useNode();
  const clients = useOriginClients();
  const { device } = useDevices();

  it("the origin WebSocket closes 1008 with a reason; its history shows a placeholder", async () => {
    const alice = await createUser(node.url, "Alice");
    const bob = await createUser(node.url, "Bob");
    const chatId = await encryptedChat(node.url, alice, [bob], "private");
    const ws = clients.create(node.url, alice.id, chatId, alice.token);
    expect(await ws.closeCode()).to.equal(1008);
    expect(ws.closed?.reason).to.match(/end-to-end encrypted/);

    const a1 = await device(node.url, alice, "a1");
    const b1 = await device(node.url, bob, "b1");
    await startGroup(a1, chatId, [bob], [b1]);
    await a1.mls.send(chatId, "not for the origin");
    const h = await originHistory(node.url, bob, chatId);
    expect(h.map((m) => m.text)).to.deep.equal([
      "[end-to-end encrypted message]",
      "[end-to-end encrypted message]",
    ]);
    expect(JSON.stringify(h)).to.not.include("not for the origin");
    b1.socket.close();
  });
});
