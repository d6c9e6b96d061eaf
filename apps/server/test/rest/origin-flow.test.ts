import { expect } from "chai";
import request from "supertest";
import { useNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";

describe("the origin's README flow", () => {
  const node = useNode();

  it("register, token, create chat, add member, send, history, read", async () => {
    const api = request(node.url);
    const reg = await api
      .post("/api/v1/register")
      .send({ name: "Ann", email: "Ann@Example.com", password: "password1" });
    expect(reg.status).to.equal(201);
    expect(reg.body).to.include({ name: "Ann", email: "ann@example.com" });
    expect(reg.body.message).to.be.a("string");
    const dup = await api
      .post("/api/v1/register")
      .send({ name: "A2", email: "ANN@example.com", password: "password1" });
    expect(dup.status).to.equal(409);
    expect(dup.body.error.code).to.equal("email_taken");

    const tok = await api
      .post("/api/v1/token")
      .type("form")
      .send({ username: "ann@example.com", password: "password1" });
    expect(tok.status).to.equal(200);
    expect(tok.body).to.include({ token_type: "bearer", expires_in: 900 });
    const ann = { Authorization: `Bearer ${tok.body.access_token}` };
    const bob = await createUser(node.url, "Bob");

    const chat = await api.post("/api/v1/chats").set(ann).send({ name: "team", chat_type: "group" });
    expect(chat.status).to.equal(201);
    expect(chat.body).to.include({ chat_id: chat.body.chat.id });
    const chatId = chat.body.chat_id;

    const add = await api.post(`/api/v1/chats/${chatId}/members?user_id=${bob.id}`).set(ann);
    expect(add.status).to.equal(200);
    expect(add.body.message).to.equal(`User ${bob.id} added to chat ${chatId}`);

    const members = await api.get(`/api/v1/chats/${chatId}/members`).set(bob.auth).expect(200);
    expect(members.body.members.map((m: { id: number }) => m.id)).to.have.members([reg.body.id, bob.id]);

    const sent = await api
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(ann)
      .send({ client_id: crypto.randomUUID(), text: "hello" })
      .expect(201);
    // History and the read mark are the origin surface's (test/origin/): the same token works there.
    const hist = await api.get(`/history/${chatId}`).set(bob.auth).expect(200);
    expect(hist.body).to.have.length(1);
    expect(hist.body[0]).to.include({
      id: sent.body.message.id,
      text: "hello",
      read: false,
      sender_id: reg.body.id,
    });

    const id = sent.body.message.id;
    const read = await api.put(`/message/read/${id}`).set(bob.auth).expect(200);
    expect(read.body).to.deep.equal({ message: `Сообщение ${id} полностью прочитано!` });
    const again = await api.put(`/message/read/${id}`).set(bob.auth).expect(200);
    expect(again.body).to.deep.equal({ message: `Сообщение ${id} уже прочитано пользователем ${bob.id}` });
    const seq = await api.put(`/api/v1/chats/${chatId}/read`).set(bob.auth).send({ seq: 1 }).expect(200);
    expect(seq.body).to.deep.include({ chat_id: chatId, last_read_seq: 1, fully_read: false });
  });
});
