/**
 * Membership against a Redis blip: the database, not Redis, decides who gets a chat's events. The
 * owner on node 1 removes B and adds D while Redis is away (stopped, or paused with SIGSTOP), so the
 * socketsLeave/socketsJoin publishes for the already-open sockets on node 2 may be lost.
 */
import { expect } from "chai";
import request from "supertest";
import { AckError } from "@chat/client";
import { delivered, record, recordMessages, useDevices } from "../cluster/devices.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually, sleep } from "../support/wait.ts";
import { startFaultCluster, type FaultCluster } from "./fault-harness.ts";

const ready = async (url: string) =>
  ((await (await fetch(`${url}/readyz`)).json()) as { status: string }).status === "ok";

for (const blip of ["stopped", "paused (SIGSTOP)"] as const) {
  describe(`membership: Redis ${blip} at the moment members change`, function () {
    this.timeout(60_000);
    let c: FaultCluster;
    const devices = useDevices();
    before(async () => {
      c = await startFaultCluster({ nodes: 2 });
    });
    after(async () => {
      c?.redis.resume();
      await c?.stop();
    });

    it("a member removed meanwhile gets nothing more of the chat and may not type; one added gets chat:added and the messages", async () => {
      const [n1, n2] = c.nodes.map((n) => n.url);
      const owner = await createUser(n1, "Owner");
      const b = await createUser(n2, "B");
      const witness = await createUser(n2, "C");
      const d = await createUser(n2, "D");
      const chatId = await createGroup(n1, owner, [b, witness], "blip");
      const probe = await createGroup(n1, owner, [witness], "probe");
      const so = await devices.connect(n1, owner);
      const sb = await devices.connect(n2, b);
      const sc = await devices.connect(n2, witness);
      const sd = await devices.connect(n2, d);
      const [onB, onC] = [sb, sc].map((s) => recordMessages(s));
      const [typingB, typingC] = [sb, sc].map((s) => record(s, "typing"));
      const [editsB, editsC] = [sb, sc].map((s) => record(s, "message:updated"));
      const addedD = record(sd, "chat:added");
      const removedB = record(sb, "chat:removed");
      const onD = delivered(sd);

      // Warm: node 2 has delivered this chat to B and C (rooms joined, everything cached).
      const m0 = (await so.send(chatId, "before")).message;
      await so.request("typing", { chat_id: chatId, is_typing: true });
      await eventually(() => {
        for (const got of [onB, onC]) expect(got.map((m) => m.id)).to.deep.equal([m0.id]);
        for (const t of [typingB, typingC]) expect(t).to.have.length(1);
      });

      if (blip === "stopped") await c.redis.stop();
      else c.redis.pause();
      const away = Date.now();
      await request(n1).delete(`/api/v1/chats/${chatId}/members/${b.id}`).set(owner.auth).expect(200);
      await request(n1).post(`/api/v1/chats/${chatId}/members?user_id=${d.id}`).set(owner.auth).expect(200);
      const born = await createGroup(n1, owner, [d], "born in the blip");
      // Still during the blip, on B's own node: node 2 delivers its own broadcasts locally, without
      // Redis, to whatever sockets its rooms hold — B's among them if nothing else is checked.
      const during = (await sc.send(chatId, "during the blip")).message;
      await sc.request("typing", { chat_id: chatId, is_typing: true });
      const typedDuring = await sb.request("typing", { chat_id: chatId, is_typing: false }).catch((e) => e);
      expect((typedDuring as AckError).code, "B may not type once removed").to.equal("not_a_member");
      // Longer than a membership poll (1 s): the poll reconciles node 2's sockets before Redis is back.
      await sleep(Math.max(0, 1500 - (Date.now() - away)));
      if (blip === "stopped") await c.redis.start();
      else c.redis.resume();
      await eventually(
        async () => expect((await ready(n1)) && (await ready(n2))).to.equal(true),
        15_000,
        100,
      );
      // Ready, but node 2's subscriber may still be resubscribing (Redis pub/sub keeps nothing for
      // a channel nobody listens to): count from the first message of node 1 that reaches it.
      await eventually(
        async () => {
          const m = (await so.send(probe, "probe")).message;
          await eventually(() => expect(onC.some((x) => x.id === m.id)).to.equal(true), 500, 50);
        },
        10_000,
        100,
      );

      // Later messages and typing reach the witness on node 2, never B's open socket.
      const later: number[] = [];
      for (let i = 1; i <= 5; i++) later.push((await so.send(chatId, `after ${i}`)).message.id);
      await so.request("typing", { chat_id: chatId, is_typing: false });
      await so.request("message:edit", { chat_id: chatId, message_id: m0.id, text: "before (edited)" });
      await eventually(() => {
        expect(onC.filter((m) => m.chat_id === chatId).map((m) => m.id)).to.deep.equal([
          m0.id,
          during.id,
          ...later,
        ]);
        expect(typingC.map((t) => t.is_typing)).to.deep.equal([true, false]);
        expect(editsC.map((e) => e.text)).to.deep.equal(["before (edited)"]);
      }, 10_000).catch((err: Error) => {
        // What the nodes warned about is the first thing to read when this fails.
        const warned = c.nodes.flatMap((n) => n.logs.filter((l) => /"level":(40|50)/.test(l)));
        throw Object.assign(err, { message: `${err.message}\n${warned.slice(-20).join("\n")}` });
      });
      expect(editsB, "B got an edit made after its removal").to.deep.equal([]);
      expect(
        onB.map((m) => m.id),
        "B got messages sent after its removal",
      ).to.deep.equal([m0.id]);
      expect(
        typingB.map((t) => t.is_typing),
        "B got typing sent after its removal",
      ).to.deep.equal([true]);
      const typing = await sb.request("typing", { chat_id: chatId, is_typing: true }).catch((e) => e);
      expect(typing).to.be.instanceOf(AckError);
      expect((typing as AckError).code).to.equal("not_a_member");

      // D, added during the blip (and put in a new chat): its open socket is told within seconds
      // and gets every message.
      // Paused, the publishes arrive after the poll told D and B: each is still told once.
      await eventually(
        () => expect(addedD.map((a) => a.chat.id)).to.include.members([chatId, born]),
        5000,
        50,
      );
      expect(
        removedB.map((r) => r.chat_id),
        "B told of its removal",
      ).to.deep.equal([chatId]);
      const last = (await so.send(chatId, "welcome D")).message;
      await eventually(
        () => expect(onD.map((m) => m.id)).to.deep.equal([during.id, ...later, last.id]),
        5000,
        50,
      );
      expect(onB.map((m) => m.id)).to.deep.equal([m0.id]);
      expect(addedD.map((a) => a.chat.id).sort(), "D told of each chat once").to.deep.equal(
        [chatId, born].sort(),
      );
      expect(
        removedB.map((r) => r.chat_id),
        "B told of its removal once",
      ).to.deep.equal([chatId]);
    });
  });
}
