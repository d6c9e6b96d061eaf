/** Short REST calls the tests repeat: send a message, read up to one, read a chat's members. */
import crypto from "node:crypto";
import request from "supertest";
import type { TestUser } from "../../support/users.ts";
import { expectOk } from "./expect.ts";

export async function sendText(baseUrl: string, user: TestUser, chatId: number, text = "hi") {
  const res = await request(baseUrl)
    .post(`/api/v1/chats/${chatId}/messages`)
    .set(user.auth)
    .send({ client_id: crypto.randomUUID(), text });
  return expectOk("sendMessage", res).message;
}

/** Reads up to a message: moves the reader's cursor to its seq (PUT /chats/{id}/read). */
export async function readUpTo(baseUrl: string, user: TestUser, m: { chat_id: number; seq: number }) {
  const res = await request(baseUrl)
    .put(`/api/v1/chats/${m.chat_id}/read`)
    .set(user.auth)
    .send({ seq: m.seq });
  return expectOk("readChat", res);
}

export async function getMembers(baseUrl: string, user: TestUser, chatId: number) {
  const res = await request(baseUrl).get(`/api/v1/chats/${chatId}/members`).set(user.auth);
  return expectOk("listMembers", res).members;
}

export async function getChat(baseUrl: string, user: TestUser, chatId: number) {
  return expectOk("getChat", await request(baseUrl).get(`/api/v1/chats/${chatId}`).set(user.auth));
}
