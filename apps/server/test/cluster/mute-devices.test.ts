/**
 * Muting a chat (issue 18) reaches every device of mine live, on every node (`chat:muted` to my
 * user room), and nobody else's.
 */
import { expect } from "chai";
import request from "supertest";
import type { ServerEventPayload } from "@chat/protocol";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useDevices, type RawSocket } from "./devices.ts";

type Muted = ServerEventPayload<"chat:muted">;

function recordMuted(s: RawSocket): Muted[] {
  const got: Muted[] = [];
  s.on("chat:muted", (m) => got.push(m));
  return got;
}

describe("cluster: a mute reaches my other devices live", () => {
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "mute-devices" });
  const devices = useDevices();

  const mute = (url: string, user: TestUser, chatId: number, until: string | null) =>
    request(url).put(`/api/v1/chats/${chatId}/mute`).set(user.auth).send({ until }).expect(200);

  it("every socket of mine on both nodes gets chat:muted (mute, a time, unmute); another member's gets nothing", async () => {
    const { a, b } = nodes;
    const u = await createUser(a.url, "Muter");
    const v = await createUser(b.url, "Other");
    const chatId = await createGroup(a.url, u, [v]);
    const otherChat = await createGroup(b.url, v, [u], "other");
    const [ua, ub, vb] = await Promise.all([
      devices.raw(a.url, u.token),
      devices.raw(b.url, u.token),
      devices.raw(b.url, v.token),
    ]);
    // The client library passes the event on to the app (the web app listens there).
    const chatSocket = await devices.connect(b.url, u);
    const viaClient: Muted[] = [];
    chatSocket.on("chat:muted", (m) => viaClient.push(m));
    const [gotA, gotB, gotV] = [ua, ub, vb].map(recordMuted);
    const vMessages: unknown[] = [];
    vb.on("message:new", (m) => vMessages.push(m));
    vb.on("message:batch", (m) => vMessages.push(...m.messages));

    await mute(a.url, u, chatId, "forever");
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await mute(b.url, u, otherChat, until);
    await mute(a.url, u, chatId, null);
    const expected: Muted[] = [
      { chat_id: chatId, muted_until: "forever" },
      { chat_id: otherChat, muted_until: until },
      { chat_id: chatId, muted_until: null },
    ];
    // One node's broadcasts stay in order; the two nodes' may interleave.
    const sorted = (xs: Muted[]) => [...xs].sort((x, y) => x.chat_id - y.chat_id);
    await eventually(() => {
      for (const got of [gotA, gotB, viaClient]) {
        expect(sorted(got)).to.deep.equal(sorted(expected));
        expect(got.filter((m) => m.chat_id === chatId)).to.deep.equal([expected[0], expected[2]]);
      }
    });

    // Barrier: a later broadcast of node a (and of node b) reaches the other member; no mute came before it.
    const sentA = await request(a.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(u.auth)
      .send({ client_id: crypto.randomUUID(), text: "after the mutes (a)" })
      .expect(201);
    const sentB = await request(b.url)
      .post(`/api/v1/chats/${otherChat}/messages`)
      .set(u.auth)
      .send({ client_id: crypto.randomUUID(), text: "after the mutes (b)" })
      .expect(201);
    await eventually(() => expect(vMessages).to.have.length(2));
    expect([sentA.status, sentB.status]).to.deep.equal([201, 201]);
    expect(gotV).to.deep.equal([]);
  });

  it("a refused mute (not a member) tells nobody", async () => {
    const { a, b } = nodes;
    const u = await createUser(a.url, "Owner");
    const w = await createUser(a.url, "Stranger");
    const chatId = await createGroup(a.url, u, []);
    const [wa, wb] = await Promise.all([devices.raw(a.url, w.token), devices.raw(b.url, w.token)]);
    const got = [wa, wb].map(recordMuted);
    const res = await request(a.url)
      .put(`/api/v1/chats/${chatId}/mute`)
      .set(w.auth)
      .send({ until: "forever" });
    expect(res.status).to.equal(403);
    // Barrier: w's own mute of a chat of w's comes after; only it arrives.
    const own = await createGroup(a.url, w, [], "own");
    await mute(a.url, w, own, "forever");
    await eventually(() => {
      for (const g of got) expect(g).to.deep.equal([{ chat_id: own, muted_until: "forever" }]);
    });
  });
});
