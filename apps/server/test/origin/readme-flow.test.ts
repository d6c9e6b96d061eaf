/**
 * The origin's README (Postman) flow and the checks of its own test files (tests/test_main.py),
 * against our node, through the origin's surface only: statuses, bodies and wording as
 * /work/shared/seed/SUMMARY.md lists them.
 */
import { expect } from "chai";
import request from "supertest";
import { originText } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { uniqueEmail } from "../support/users.ts";
import { originGroup, originUser, sendV1, type OriginUser } from "./origin-client.ts";

describe("origin surface: the README flow and the origin's own test checks", () => {
  const node = useNode();

  it("register → token (form) → chat → member → history → read, with the origin's answers", async () => {
    const api = request(node.url);
    const email = uniqueEmail("ann");
    const reg = await api.post("/register").send({ name: "Ann", email, password: "password1" });
    expect([reg.status, reg.body]).to.deep.equal([200, { message: originText.registered }]);
    const dup = await api.post("/register").send({ name: "A2", email, password: "password1" });
    expect([dup.status, dup.body]).to.deep.equal([400, { detail: "Email already registered" }]);

    const wrong = await api.post("/token").type("form").send({ username: email, password: "nope-nope" });
    expect([wrong.status, wrong.body]).to.deep.equal([400, { detail: "Неправильная почта или пароль" }]);
    const tok = await api.post("/token").type("form").send({ username: email, password: "password1" });
    expect(tok.status).to.equal(200);
    expect(tok.body).to.include({ token_type: "bearer" });
    expect(tok.body.access_token).to.be.a("string");
    const ann = { Authorization: `Bearer ${tok.body.access_token}` };
    // JSON login works too, as it did.
    await api.post("/token").send({ username: email, password: "password1" }).expect(200);

    const bob = await originUser(node.url, "Bob");
    const chat = await api.post("/chats").set(ann).send({ name: "team", chat_type: "group" });
    expect(chat.status).to.equal(200);
    expect(chat.body).to.have.keys("message", "chat_id");
    expect(chat.body.message).to.equal("Чат создан");
    const chatId = chat.body.chat_id as number;

    // test_main.py: role=member in the query is accepted.
    const add = await api
      .post(`/chats/${chatId}/members`)
      .query({ user_id: bob.id, role: "member" })
      .set(ann);
    expect([add.status, add.body]).to.deep.equal([
      200,
      { message: `Пользователь ${bob.id} добавлен в чат ${chatId}` },
    ]);
    const again = await api.post(`/chats/${chatId}/members?user_id=${bob.id}`).set(ann);
    expect([again.status, again.body]).to.deep.equal([200, { message: "⚠️ Пользователь уже в этом чате" }]);

    const members = await api.get(`/chats/${chatId}/members`).set(bob.auth).expect(200);
    expect(members.body.chat_id).to.equal(chatId);
    expect(members.body.members).to.have.length(2);
    for (const m of members.body.members) expect(m).to.have.keys("id", "name");
    expect(members.body.members.map((m: { id: number }) => m.id)).to.include(bob.id);

    // test_main.py: history answers 200 with a list (empty before any message).
    const empty = await api.get(`/history/${chatId}`).set(ann).expect(200);
    expect(empty.body).to.deep.equal([]);
  });

  it("history: oldest first, the origin's fields, limit/offset accepted; equal texts are two messages", async () => {
    const [ann, bob] = [await originUser(node.url, "ann"), await originUser(node.url, "bob")];
    const chatId = await originGroup(node.url, ann, [bob]);
    // Messages go in through the main API's send call (the same domain); "ok" twice is two messages.
    for (const text of ["ok", "ok", "third"]) {
      await sendV1(node.url, ann, chatId, text);
    }
    const h = await request(node.url).get(`/history/${chatId}`).set(bob.auth).expect(200);
    expect(h.body.map((m: { text: string }) => m.text)).to.deep.equal(["ok", "ok", "third"]);
    for (const m of h.body) {
      expect(m).to.have.keys("id", "chat_id", "sender_id", "text", "timestamp", "read");
      expect(m).to.include({ chat_id: chatId, sender_id: ann.id, read: false });
    }
    const page = await request(node.url).get(`/history/${chatId}?limit=1&offset=1`).set(bob.auth).expect(200);
    expect(page.body.map((m: { text: string }) => m.text)).to.deep.equal(["ok"]);

    // Reading the newest marks all three read: bob is the only other member.
    const last = h.body[2].id as number;
    const r1 = await request(node.url).put(`/message/read/${last}`).set(bob.auth).expect(200);
    expect(r1.body).to.deep.equal({ message: originText.fullyRead(last) });
  });

  it("read wording: marked, fully read exactly once, read again", async () => {
    const [ann, bob, cat] = [
      await originUser(node.url, "ann"),
      await originUser(node.url, "bob"),
      await originUser(node.url, "cat"),
    ];
    const chatId = await originGroup(node.url, ann, [bob, cat]);
    const id = await sendV1(node.url, ann, chatId, "hi");
    const read = (u: OriginUser) => request(node.url).put(`/message/read/${id}`).set(u.auth).expect(200);
    expect((await read(bob)).body).to.deep.equal({ message: "Сообщение отмечено как прочитанное" });
    expect((await read(cat)).body).to.deep.equal({ message: `Сообщение ${id} полностью прочитано!` });
    expect((await read(cat)).body).to.deep.equal({
      message: `Сообщение ${id} уже прочитано пользователем ${cat.id}`,
    });
    expect((await read(bob)).body).to.deep.equal({
      message: `Сообщение ${id} уже прочитано пользователем ${bob.id}`,
    });
    const h = await request(node.url).get(`/history/${chatId}`).set(bob.auth).expect(200);
    expect(h.body[0].read).to.equal(true);
  });
});
