import crypto from "node:crypto";
import request from "supertest";

export interface TestUser {
  id: number;
  name: string;
  email: string;
  password: string;
  token: string;
  auth: { Authorization: string };
}

/** Registers and logs in a new user with a unique email. */
export async function createUser(baseUrl: string, name = "user"): Promise<TestUser> {
  const email = `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const password = "correct horse battery";
  const reg = await request(baseUrl).post("/register").send({ name, email, password }).expect(201);
  const tok = await request(baseUrl)
    .post("/token")
    .type("form")
    .send({ username: email, password })
    .expect(200);
  const token = tok.body.access_token as string;
  return { id: reg.body.id, name, email, password, token, auth: { Authorization: `Bearer ${token}` } };
}

/** A group chat owned by `owner` with `members` in it; answers its id. */
export async function createGroup(baseUrl: string, owner: TestUser, members: TestUser[], name = "group") {
  const res = await request(baseUrl)
    .post("/chats")
    .set(owner.auth)
    .send({ name, chat_type: "group", member_ids: members.map((m) => m.id) })
    .expect(201);
  return res.body.chat_id as number;
}
