/**
 * Issue 12, item 12(b): MAX_SOCKETS_PER_USER (default 20) open sockets per user on a node; one
 * more is refused with the connect_error `too_many_connections`; closing one lets a new one in.
 * Another user is not affected.
 */
import { expect } from "chai";
import type { AckError, ChatSocket } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { eventually } from "../support/wait.ts";
import { createUser } from "../support/users.ts";
import { connect, handshake } from "./support/sockets.ts";

describe("sockets per user (MAX_SOCKETS_PER_USER)", function () {
  this.timeout(30_000);
  let node: TestNode;
  const sockets: ChatSocket[] = [];

  before(async () => {
    node = await startTestNode(); // the default cap: 20
  });
  after(async () => {
    for (const s of sockets) s.close();
    await node?.close();
  });

  it("the 21st socket is refused too_many_connections; closing one lets a new one in", async () => {
    const alice = await createUser(node.url, "alice");
    const bob = await createUser(node.url, "bob");
    // Concurrent handshakes cannot slip past the cap together.
    const opened = await Promise.allSettled(Array.from({ length: 25 }, () => connect(node.url, alice.token)));
    const ok = opened
      .filter((r) => r.status === "fulfilled")
      .map((r) => (r as PromiseFulfilledResult<ChatSocket>).value);
    sockets.push(...ok);
    expect(ok).to.have.length(20);
    const refused = opened.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    for (const r of refused) expect((r.reason as AckError).code).to.equal("too_many_connections");

    expect(await handshake(node.url, alice.token)).to.equal("too_many_connections");
    expect(await handshake(node.url, bob.token)).to.equal("connected");

    ok[0].close();
    await eventually(async () => expect(await handshake(node.url, alice.token)).to.equal("connected"));
    // handshake() closed its socket again: the slot is free for a lasting one.
    sockets.push(await connect(node.url, alice.token));
    expect(await handshake(node.url, alice.token)).to.equal("too_many_connections");
  });
});
