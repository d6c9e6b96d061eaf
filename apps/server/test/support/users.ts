/**
 * Test users: registered and logged in over REST, one helper for every suite. A call can claim a
 * client address through X-Forwarded-For (believed by nodes started with TRUST_PROXY_HOPS=1, the
 * test playing their proxy), so tests of per-IP limits keep apart from each other and from the
 * setup traffic.
 */
import crypto from "node:crypto";
import request from "supertest";

/** Every test user's password. */
export const PASSWORD = "correct horse battery";

export interface TestUser {
  id: number;
  name: string;
  email: string;
  password: string;
  token: string;
  auth: { Authorization: string };
}

export const uniqueEmail = (name: string) =>
  `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.test`;

/** Registers and logs in a new user (a unique email unless given); `ip` is sent as X-Forwarded-For. */
export async function createUser(
  baseUrl: string,
  name = "user",
  opts: { ip?: string; email?: string } = {},
): Promise<TestUser> {
  const email = opts.email ?? uniqueEmail(name);
  const xff = opts.ip ? { "X-Forwarded-For": opts.ip } : {};
  const reg = await request(baseUrl)
    .post("/api/v1/register")
    .set(xff)
    .send({ name, email, password: PASSWORD });
  if (reg.status !== 201) throw new Error(`register ${email}: ${reg.status} ${reg.text}`);
  const tok = await request(baseUrl)
    .post("/api/v1/token")
    .set(xff)
    .type("form")
    .send({ username: email, password: PASSWORD });
  if (tok.status !== 200) throw new Error(`token ${email}: ${tok.status} ${tok.text}`);
  const token = tok.body.access_token as string;
  return {
    id: reg.body.id,
    name,
    email,
    password: PASSWORD,
    token,
    auth: { Authorization: `Bearer ${token}` },
  };
}

/** A group chat owned by `owner` with `members` in it; answers its id. */
export async function createGroup(baseUrl: string, owner: TestUser, members: TestUser[], name = "group") {
  const res = await request(baseUrl)
    .post("/api/v1/chats")
    .set(owner.auth)
    .send({ name, chat_type: "group", member_ids: members.map((m) => m.id) })
    .expect(201);
  return res.body.chat_id as number;
}
