import { expect } from "chai";
import request from "supertest";
import { useCluster } from "./cluster-fixture.ts";
import { record, recordMessages } from "./devices.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

describe("cluster: typing and presence", () => {
  const c = useCluster();
  const { devices } = c;

  it("typing reaches the other members on every node, not the typer's own devices", async () => {
    const [n1, n2, n3] = c.urls;
    const u = await createUser(n1, "U");
    const v = await createUser(n2, "V");
    const w = await createUser(n3, "W");
    const chatId = await createGroup(n1, u, [v, w]);
    const a = await devices.connect(n1, u);
    const b = await devices.connect(n3, u);
    const sv = await devices.connect(n2, v);
    const sw = await devices.connect(n3, w);
    const [ta, tb, tv, tw] = [a, b, sv, sw].map((s) => record(s, "typing"));
    const newOnB = recordMessages(b);

    await a.request("typing", { chat_id: chatId, is_typing: true });
    const expected = { chat_id: chatId, user_id: u.id, is_typing: true };
    await eventually(() => {
      expect(tv).to.deep.equal([expected]);
      expect(tw).to.deep.equal([expected]);
    });
    // Barrier: a message from the same node reaches B after any typing event would have.
    const m = (await a.send(chatId, "done typing")).message;
    await eventually(() => expect(newOnB.map((x) => x.id)).to.deep.equal([m.id]));
    expect(ta).to.deep.equal([]);
    expect(tb).to.deep.equal([]);

    // A repeat within the throttle window is acked but not re-broadcast; a change is.
    await a.request("typing", { chat_id: chatId, is_typing: true });
    await a.request("typing", { chat_id: chatId, is_typing: false });
    await eventually(() => {
      expect(tv.map((t) => t.is_typing)).to.deep.equal([true, false]);
      expect(tw.map((t) => t.is_typing)).to.deep.equal([true, false]);
    });
  });

  it("a user is online while any device is connected on any node; contacts see it come and go", async () => {
    const [n1, n2, n3] = c.urls;
    const u = await createUser(n1, "U");
    const w = await createUser(n2, "W");
    const stranger = await createUser(n3, "Stranger");
    await createGroup(n2, w, [u]);
    const presenceOf = async (url: string, who: TestUser) =>
      (await request(url).get(`/api/v1/users/${who.id}/presence`).set(w.auth).expect(200)).body as {
        user_id: number;
        online: boolean;
        last_seen: string | null;
      };

    expect(await presenceOf(n3, u)).to.deep.equal({ user_id: u.id, online: false, last_seen: null });
    const contact = await devices.connect(n2, w);
    const events = record(contact, "presence");
    const other = await devices.connect(n3, stranger);
    const strangerSaw = record(other, "presence");

    const a = await devices.connect(n1, u);
    await eventually(() => expect(events).to.deep.equal([{ user_id: u.id, online: true, last_seen: null }]));
    for (const url of c.urls) expect((await presenceOf(url, u)).online, url).to.equal(true);

    // A second device on another node, then the first goes: still online, no event either way
    // (a wrong "offline" would show up as an extra event below, long before B leaves).
    const b = await devices.connect(n3, u);
    a.close();
    for (const url of c.urls) expect((await presenceOf(url, u)).online, url).to.equal(true);

    const before = Date.now();
    b.close();
    await eventually(() => expect(events, JSON.stringify(events)).to.have.length(2));
    const off = events[1];
    expect(off).to.include({ user_id: u.id, online: false });
    expect(Date.parse(off.last_seen!)).to.be.within(before - 1000, Date.now() + 1000);
    for (const url of c.urls) expect(await presenceOf(url, u)).to.deep.equal(off);
    expect(events).to.have.length(2);
    // Only contacts (people who share a chat) are told.
    expect(strangerSaw).to.deep.equal([]);
  });
});
