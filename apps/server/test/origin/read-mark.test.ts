/**
 * PUT /message/read/{id} on the origin's surface: its wording for a read, for the read that
 * completes "fully read" (exactly once), and for a read again (the origin code's "уже прочитано");
 * 404/422/403 `{"detail"}` for an unknown message, a bad id, a non-member. The ids and 404 checks
 * moved here from test/rest/receipts.test.ts with the route.
 */
import { expect } from "chai";
import request from "supertest";
import { MAX_ID, originText } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { sendText } from "../rest/helpers/calls.ts";

describe("origin surface: PUT /message/read/{id}", () => {
  const node = useNode();
  let users: TestUser[];
  before(async () => {
    users = await Promise.all(["A", "B", "C", "D"].map((n) => createUser(node.url, n)));
  });
  const read = (who: TestUser, id: number | string) =>
    request(node.url).put(`/message/read/${id}`).set(who.auth);

  it("marked, then fully read exactly once, then 'already read' for every repeat", async () => {
    const [a, b, c] = users;
    const chatId = await createGroup(node.url, a, [b, c]);
    const m = await sendText(node.url, a, chatId, "read me");
    // The sender's own read moves their cursor but does not count: b's read still does not complete it.
    expect((await read(a, m.id)).body).to.deep.equal({ message: originText.marked });
    expect((await read(b, m.id)).body).to.deep.equal({ message: "Сообщение отмечено как прочитанное" });
    const answers = await Promise.all([read(c, m.id), read(c, m.id), read(b, m.id)]);
    expect(answers.map((r) => r.status)).to.deep.equal([200, 200, 200]);
    expect(answers.filter((r) => r.body.message === `Сообщение ${m.id} полностью прочитано!`)).to.have.length(
      1,
    );
    expect((await read(c, m.id)).body).to.deep.equal({
      message: `Сообщение ${m.id} уже прочитано пользователем ${c.id}`,
    });
  });

  it("404 for an unknown message, 422 for a bad id, 403 for a non-member", async () => {
    const [a, b, , d] = users;
    const unknown = await read(a, MAX_ID);
    expect([unknown.status, unknown.body]).to.deep.equal([404, { detail: "Message not found" }]);
    for (const bad of [MAX_ID + 1, "latest", 0]) {
      const res = await read(a, bad);
      expect(res.status, String(bad)).to.equal(422);
      expect(res.body.detail[0].loc).to.deep.equal(["path", "message_id"]);
    }
    const chatId = await createGroup(node.url, a, [b]);
    const m = await sendText(node.url, a, chatId, "members only");
    const outsider = await read(d, m.id);
    expect([outsider.status, outsider.body]).to.deep.equal([
      403,
      { detail: "You are not a member of this chat" },
    ]);
    const none = await request(node.url).put(`/message/read/${m.id}`);
    expect([none.status, none.body]).to.deep.equal([401, { detail: "Not authenticated" }]);
  });
});
