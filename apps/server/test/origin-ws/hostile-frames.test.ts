import { expect } from "chai";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { useOriginClients } from "./origin-client.ts";

/**
 * The origin crashed its handler on a NUL, a long text or a binary frame, and the dead socket then
 * disconnected everyone who wrote to the chat. Here each is answered on that socket alone.
 */
describe("origin websocket: hostile frames", () => {
  const node = useNode();
  const clients = useOriginClients();

  it("NUL, blank, invisible and over-long texts get ❌ on that socket; binary closes it 1003, past 64 KB 1009; the chat keeps working", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, [v]);
    const bystander = await clients.open(node.url, v, chatId);
    const bad = await clients.open(node.url, u, chatId);

    for (const text of ["a\u0000b", "   ", "\u200b\u2800\u3164", '""', "x".repeat(4001)]) {
      const from = bad.frames.length;
      bad.send(text);
      expect(await bad.frame("❌", from)).to.match(/^❌ validation_failed: text /);
    }
    // The socket is still usable after each refusal, and nothing refused was delivered.
    await bad.say("still here");
    await bystander.frame(`📩 Новое сообщение от ${u.id}: still here`);
    expect(bystander.news()).to.deep.equal([`📩 Новое сообщение от ${u.id}: still here`]);

    bad.send(Buffer.from([1, 2, 3]));
    expect(await bad.closeCode()).to.equal(1003);
    const big = await clients.open(node.url, u, chatId);
    big.send("y".repeat(70 * 1024));
    expect(await big.closeCode()).to.equal(1009);

    // Everyone else still talks in the chat, both ways.
    const again = await clients.open(node.url, u, chatId);
    await bystander.say("after the storm");
    await again.frame(`📩 Новое сообщение от ${v.id}: after the storm`);
    await again.say("and back");
    await bystander.frame(`📩 Новое сообщение от ${u.id}: and back`);
  });
});

describe("origin websocket: the user's send budget", () => {
  const node = useNode({ RATE_LIMIT_SENDS_PER_USER_PER_10S: "3" });
  const clients = useOriginClients();

  it("sends past the budget get ❌ rate_limited, and the socket stays open", async () => {
    const u = await createUser(node.url, "U");
    const chatId = await createGroup(node.url, u, []);
    const c = await clients.open(node.url, u, chatId);
    for (const t of ["1", "2", "3"]) await c.say(t);
    const from = c.frames.length;
    c.send("4");
    expect(await c.frame("❌", from)).to.match(/^❌ rate_limited: /);
    expect(c.closed).to.equal(undefined);
  });
});
