/**
 * GET /history/{chat_id} on the origin's surface: its list (oldest first, its fields, `read` =
 * read by every other member), the newest page by default, `limit`/`offset` accepted (the origin
 * fixed 10 and 0), FastAPI's 422 for bad values, 403/404 `{"detail"}` for a non-member or an
 * unknown chat. Moved here from test/rest/messages.test.ts with the route.
 */
import { expect } from "chai";
import request from "supertest";
import { MAX_ID } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "../rest/helpers/calls.ts";
import { originHistory } from "./origin-client.ts";

describe("origin surface: GET /history/{id}", () => {
  const node = useNode();
  let ann: TestUser;
  let bob: TestUser;
  let eve: TestUser;
  let hist: number;
  before(async () => {
    [ann, bob, eve] = await Promise.all(["Ann", "Bob", "Eve"].map((n) => createUser(node.url, n)));
    hist = await createGroup(node.url, ann, [bob]);
    for (let i = 1; i <= 25; i++) await sendText(node.url, ann, hist, `h${i}`);
  });
  const history = (query: Record<string, string> = {}) => originHistory(node.url, bob, hist, query);
  const texts = (h: { text: string }[]) => h.map((m) => m.text);
  const names = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => `h${a + i}`);

  it("answers the newest 10, oldest first, with the origin's fields", async () => {
    const h = await history();
    expect(texts(h)).to.deep.equal(names(16, 25));
    expect(Object.keys(h[0])).to.have.members(["id", "chat_id", "sender_id", "text", "timestamp", "read"]);
    expect(h[0]).to.deep.include({ chat_id: hist, sender_id: ann.id, read: false });
  });

  it("offset counts back from the newest; limit sets the page size", async () => {
    expect(texts(await history({ offset: "10" }))).to.deep.equal(names(6, 15));
    expect(texts(await history({ offset: "20" }))).to.deep.equal(names(1, 5));
    expect(texts(await history({ offset: "25" }))).to.deep.equal([]);
    expect(texts(await history({ limit: "3", offset: "1" }))).to.deep.equal(names(22, 24));
    expect(texts(await history({ limit: "100" }))).to.deep.equal(names(1, 25));
  });

  it("marks read: true what every other member has read", async () => {
    const h = await history();
    await request(node.url).put(`/message/read/${h[4].id}`).set(bob.auth).expect(200); // up to h20
    const after = await history();
    expect(after.map((m) => m.read)).to.deep.equal([...Array(5).fill(true), ...Array(5).fill(false)]);
  });

  it("422 for a bad limit or offset, unknown keys ignored, 403 for a non-member, 404 for an unknown chat", async () => {
    const get = (q: Record<string, string>) =>
      request(node.url).get(`/history/${hist}`).query(q).set(bob.auth);
    const invalid = async (q: Record<string, string>, field: string) => {
      const res = await get(q);
      expect(res.status, JSON.stringify(q)).to.equal(422);
      expect(res.body.detail[0].loc).to.deep.equal(["query", field]);
    };
    for (const limit of ["0", "101", "x"]) await invalid({ limit }, "limit");
    for (const offset of ["-1", "x", "1.5", "9999999999"]) await invalid({ offset }, "offset");
    expect((await get({ page: "1" })).status).to.equal(200);
    const outsider = await request(node.url).get(`/history/${hist}`).set(eve.auth);
    expect([outsider.status, outsider.body]).to.deep.equal([
      403,
      { detail: "You are not a member of this chat" },
    ]);
    const unknown = await request(node.url).get(`/history/${MAX_ID}`).set(eve.auth);
    expect([unknown.status, unknown.body]).to.deep.equal([404, { detail: "Chat not found" }]);
  });
});
