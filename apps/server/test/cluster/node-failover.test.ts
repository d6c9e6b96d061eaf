import { expect } from "chai";
import type { Message } from "@chat/client";
import request from "supertest";
import { spawnExtraNode, tail, useCluster } from "./cluster-fixture.ts";
import { delivered } from "./devices.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually, sleep } from "../support/wait.ts";

describe("cluster: the node holding a device is SIGKILLed mid-conversation", () => {
  const c = useCluster();
  const { devices } = c;
  let doomed: NodeProcess;
  before(async function () {
    this.timeout(60_000);
    doomed = await spawnExtraNode(c, "n4-doomed");
  });

  it("the device moves to a live node, syncs, and ends with every acked message once, in order", async function () {
    this.timeout(30_000);
    const [n1, n2, n3] = c.urls;
    const u = await createUser(n1, "U");
    const v = await createUser(n2, "V");
    const chatId = await createGroup(n2, v, [u]);
    // Device A starts on the doomed node; its client rotates through the others on reconnect.
    const a = await devices.connect([doomed.url, n3, n1], u);
    const sv = await devices.connect(n2, v);
    a.track(chatId, 0);
    const got = delivered(a);
    const down: { at?: number; back?: number } = {};
    a.socket.on("disconnect", () => (down.at ??= Date.now()));
    a.socket.on("connect", () => {
      if (down.at !== undefined) down.back ??= Date.now();
    });

    const acked: Array<{ m: Message; at: number }> = [];
    let killed: Promise<number | null> | undefined;
    for (let i = 0; ; i++) {
      const { message } = await sv.send(chatId, `tick ${i}`);
      acked.push({ m: message, at: Date.now() });
      if (i === 15) killed = doomed.kill("SIGKILL");
      // Keep going until A has been back for a while (or give up: the assertions below tell why).
      if (down.back !== undefined && Date.now() - down.back > 300 && i > 30) break;
      if (i > 2000) break;
      await sleep(10);
    }
    expect(await killed).to.equal(null); // killed by the signal, not exited

    await eventually(
      () => expect(got.map((m) => m.id)).to.deep.equal(acked.map((x) => x.m.id)),
      10_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\nA is at ${a.url}; node 3 log:\n${tail(c.nodes[2])}`);
    });
    expect(got.map((m) => m.seq)).to.deep.equal(acked.map((_, i) => i + 1));
    expect(a.url).to.not.equal(doomed.url);
    // Some messages were acked while A had no node at all: only `sync` can have brought them.
    const missed = acked.filter((x) => x.at > down.at! && x.at < down.back!);
    expect(missed.length, "messages sent while A was away").to.be.greaterThan(0);

    // A is fully back: what it sends reaches V, and REST on any node sees the same history.
    const back = (await a.send(chatId, "I'm back")).message;
    expect(back.seq).to.equal(acked.length + 1);
    const hist = await request(n1)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0&limit=100`)
      .set(u.auth)
      .expect(200);
    expect(got.at(-1)?.id).to.equal(back.id);
    expect(hist.body.messages.map((m: Message) => m.id)).to.deep.equal(got.map((m) => m.id));
  });
});
