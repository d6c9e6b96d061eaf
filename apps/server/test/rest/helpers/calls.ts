/** Short REST calls the tests repeat: send a message, read one, read a chat's members. */
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

export async function readMessage(baseUrl: string, user: TestUser, messageId: number) {
  const res = await request(baseUrl).put(`/api/v1/message/read/${messageId}`).set(user.auth);
  return expectOk("readMessage", res);
}

export async function getMembers(baseUrl: string, user: TestUser, chatId: number) {
  const res = await request(baseUrl).get(`/api/v1/chats/${chatId}/members`).set(user.auth);
  return expectOk("listMembers", res).members;
}

export async function getChat(baseUrl: string, user: TestUser, chatId: number) {
  return expectOk("getChat", await request(baseUrl).get(`/api/v1/chats/${chatId}`).set(user.auth));
}
