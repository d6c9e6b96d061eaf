/**
 * Test helpers that speak only the origin's surface (as a client written for the FastAPI chat
 * would): register, log in with the OAuth2 form, create chats, add members.
 */
import request from "supertest";
import { originRoutes, type OriginResponse } from "@chat/protocol";
import { uniqueEmail, PASSWORD } from "../support/users.ts";

export interface OriginUser {
  id: number;
  email: string;
  token: string;
  auth: { Authorization: string };
}

/** The token's subject is our user id (the origin's clients treat the token as opaque). */
const subjectOf = (token: string) =>
  Number(JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).sub);

export async function originUser(url: string, name = "user"): Promise<OriginUser> {
  const email = uniqueEmail(name);
  const reg = await request(url).post("/register").send({ name, email, password: PASSWORD });
  if (reg.status !== 200) throw new Error(`register: ${reg.status} ${reg.text}`);
  const tok = await request(url).post("/token").type("form").send({ username: email, password: PASSWORD });
  if (tok.status !== 200) throw new Error(`token: ${tok.status} ${tok.text}`);
  const token = tok.body.access_token as string;
  return { id: subjectOf(token), email, token, auth: { Authorization: `Bearer ${token}` } };
}

export async function originGroup(
  url: string,
  owner: OriginUser,
  members: OriginUser[] = [],
): Promise<number> {
  const res = await request(url).post("/chats").set(owner.auth).send({ name: "group", chat_type: "group" });
  if (res.status !== 200) throw new Error(`create chat: ${res.status} ${res.text}`);
  for (const m of members) {
    await request(url).post(`/chats/${res.body.chat_id}/members?user_id=${m.id}`).set(owner.auth).expect(200);
  }
  return res.body.chat_id as number;
}

/** Sends through the main API (/api/v1: the origin's REST surface has no send); answers the id. */
export async function sendV1(url: string, from: OriginUser, chatId: number, text: string): Promise<number> {
  const res = await request(url)
    .post(`/api/v1/chats/${chatId}/messages`)
    .set(from.auth)
    .send({ client_id: crypto.randomUUID(), text });
  if (res.status !== 201) throw new Error(`send: ${res.status} ${res.text}`);
  return res.body.message.id as number;
}

/** GET /history/{chat_id} on the origin surface: 200 and the origin's list, checked against its schema. */
export async function originHistory(
  url: string,
  who: { auth: { Authorization: string } },
  chatId: number,
  query: Record<string, string> = {},
): Promise<OriginResponse<"history">> {
  const res = await request(url).get(`/history/${chatId}`).query(query).set(who.auth);
  if (res.status !== 200) throw new Error(`history: ${res.status} ${res.text}`);
  return originRoutes.history.response.parse(res.body);
}
