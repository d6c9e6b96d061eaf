/**
 * Hostile and malformed input to the origin's routes: FastAPI's 422 `{"detail": [{loc, msg, type}]}`
 * for what does not validate, a proper 404/401 `{"detail": "…"}` where the origin answered 200
 * with `{"error"}` or a 500 (unknown chat or user, ids past 32 bits, garbage tokens), never a 500.
 */
import { expect } from "chai";
import request from "supertest";
import { MAX_ID } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { originGroup, originUser, sendV1, type OriginUser } from "./origin-client.ts";

type Req = (api: ReturnType<typeof request>, u: OriginUser) => request.Test;

describe("origin surface: hostile input", function () {
  this.timeout(30_000);
  const node = useNode();
  let owner: OriginUser;
  let other: OriginUser;
  let chatId = 0;
  let messageId = 0;

  before(async () => {
    owner = await originUser(node.url, "owner");
    other = await originUser(node.url, "other");
    chatId = await originGroup(node.url, owner);
    messageId = await sendV1(node.url, owner, chatId, "x");
  });

  /** [what, request, status, loc of the first issue (422) or detail text]. */
  const cases: Array<[string, Req, number, string]> = [
    ["chat id not a number", (a) => a.get("/history/abc"), 422, "path.chat_id"],
    ["chat id past 32 bits", (a) => a.get("/history/99999999999"), 422, "path.chat_id"],
    ["unknown chat (origin: 200 {error})", (a) => a.get(`/history/${MAX_ID}`), 404, "Chat not found"],
    ["limit 0", (a) => a.get(`/history/${chatId}?limit=0`), 422, "query.limit"],
    ["limit too large", (a) => a.get(`/history/${chatId}?limit=100000`), 422, "query.limit"],
    ["offset negative", (a) => a.get(`/history/${chatId}?offset=-1`), 422, "query.offset"],
    ["limit given twice", (a) => a.get(`/history/${chatId}?limit=1&limit=2`), 422, "query.limit"],
    ["members: user_id missing", (a) => a.post(`/chats/${chatId}/members`), 422, "query.user_id"],
    [
      "members: user_id not a number",
      (a) => a.post(`/chats/${chatId}/members?user_id=x`),
      422,
      "query.user_id",
    ],
    [
      "members: unknown role",
      (a) => a.post(`/chats/${chatId}/members?user_id=1&role=god`),
      422,
      "query.role",
    ],
    [
      "members: unknown user (origin: 200 {error})",
      (a) => a.post(`/chats/${chatId}/members?user_id=${MAX_ID}`),
      404,
      "User not found",
    ],
    ["members of an unknown chat", (a) => a.get(`/chats/${MAX_ID}/members`), 404, "Chat not found"],
    [
      "chat: bad chat_type",
      (a) => a.post("/chats").send({ name: "n", chat_type: "channel" }),
      422,
      "body.chat_type",
    ],
    ["chat: name missing", (a) => a.post("/chats").send({ chat_type: "group" }), 422, "body.name"],
    [
      "chat: NUL in the name",
      (a) => a.post("/chats").send({ name: "a\u0000b", chat_type: "group" }),
      422,
      "body.name",
    ],
    ["chat: body an array", (a) => a.post("/chats").send([1, 2]), 422, "body"],
    ["read: id 0", (a) => a.put("/message/read/0"), 422, "path.message_id"],
    ["read: unknown message", (a) => a.put(`/message/read/${MAX_ID}`), 404, "Message not found"],
    [
      "register: bad email",
      (a) => a.post("/register").send({ name: "n", email: "nope", password: "password1" }),
      422,
      "body.email",
    ],
    [
      "register: no password",
      (a) => a.post("/register").send({ name: "n", email: "a@b.test" }),
      422,
      "body.password",
    ],
    [
      "token: no password",
      (a) => a.post("/token").type("form").send({ username: "a@b.test" }),
      422,
      "body.password",
    ],
  ];

  for (const [what, call, status, expected] of cases) {
    it(`${what} → ${status}`, async () => {
      const res = await call(request(node.url), owner).set(owner.auth);
      expect(res.status, res.text).to.equal(status);
      if (status === 422) {
        expect(res.body.detail).to.be.an("array").that.is.not.empty;
        for (const d of res.body.detail) expect(d).to.have.keys("loc", "msg", "type");
        expect(res.body.detail[0].loc.join(".")).to.equal(expected);
      } else {
        expect(res.body).to.deep.equal({ detail: expected });
      }
    });
  }

  it("unknown query keys and body fields are ignored, as FastAPI does", async () => {
    const reg = await request(node.url)
      .post("/register")
      .send({ name: "x", email: `x-${crypto.randomUUID()}@example.test`, password: "password1", age: 3 });
    expect(reg.status).to.equal(200);
    const chat = await request(node.url)
      .post("/chats")
      .set(owner.auth)
      .send({ name: "n", chat_type: "group", topic: "ignored" });
    expect(chat.status).to.equal(200);
    const res = await request(node.url)
      .post(`/chats/${chatId}/members?user_id=${other.id}&foo=bar&role=member`)
      .set(owner.auth);
    expect(res.status).to.equal(200);
  });

  it("a garbage, or wrongly typed, Authorization header is a 401 {detail}, not a 500", async () => {
    for (const h of ["Bearer x.y.z", "Bearer ", "Basic dXNlcjpwdw==", `Bearer ${"a".repeat(5000)}`]) {
      const res = await request(node.url).get(`/history/${chatId}`).set("Authorization", h);
      expect(res.status, h).to.equal(401);
      expect(res.body.detail).to.be.oneOf(["Not authenticated", "Could not validate credentials"]);
      expect(res.headers["www-authenticate"]).to.equal("Bearer");
    }
  });

  it("a body that is not JSON, or too large, is a 4xx", async () => {
    const bad = await request(node.url).post("/chats").set(owner.auth).type("json").send("{nope");
    expect(bad.status).to.be.within(400, 422);
    const big = await request(node.url)
      .post("/chats")
      .set(owner.auth)
      .send({ name: "x".repeat(70_000), chat_type: "group" });
    expect(big.status).to.equal(413);
  });
});
