/**
 * Access control, table-driven: every route of packages/protocol's table and every client
 * socket event × {no token, forged token, expired token, `alg: none`, token of a deleted user,
 * non-member, member, admin, owner} (access/matrix.ts). Then: private chats stay private, and a
 * removed member loses access at once, over REST and sockets, on both nodes of a cluster (two
 * in-process nodes sharing one database and a private Redis).
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import {
  clientEvents,
  errorCatalogue,
  routes,
  servedPath,
  type ClientEventName,
  type RouteDef,
  type RouteName,
} from "@chat/protocol";
import type { ChatSocket, Message } from "@chat/client";
import type { TestNode } from "../support/node.ts";
import { startTwoNodes, stopTwoNodes, type TwoNodes } from "../support/two-nodes.ts";
import { eventually } from "../support/wait.ts";
import { DbProbe } from "./support/db-state.ts";
import { createGroup, createUser, uniqueEmail, type TestUser } from "../support/users.ts";
import { ackCode, connect, handshake } from "./support/sockets.ts";
import { principalTokens, shortLivedToken } from "./support/tokens.ts";
import { askUpload, putBytes, readyFile, sendWithFiles } from "../support/attachments.ts";
import { tinyPng } from "../support/images.ts";
import {
  eventMatrix,
  PRINCIPALS,
  restMatrix,
  TOKEN_PRINCIPALS,
  TOKEN_REFUSAL,
  USER_PRINCIPALS,
  type MatrixWorld,
  type Outcome,
  type Principal,
  type UserPrincipal,
} from "./access/matrix.ts";

const isUser = (p: Principal): p is UserPrincipal => (USER_PRINCIPALS as readonly string[]).includes(p);

/** The origin surface's refusal text for a non-member (FastAPI's `{"detail"}`). */
const NOT_A_MEMBER = errorCatalogue.not_a_member.message;

/** A device of `u` with a random key (the registry checks its size, not the curve). */
async function registerTestDevice(url: string, u: TestUser): Promise<string> {
  const res = await request(url)
    .post("/api/v1/devices")
    .set(u.auth)
    .send({ name: "matrix", signature_key: crypto.randomBytes(32).toString("base64") })
    .expect(201);
  return res.body.id as string;
}

describe("access control", function () {
  this.timeout(60_000);
  let two: TwoNodes | undefined;
  let a: TestNode;
  let b: TestNode;
  let db: DbProbe;
  const users = {} as Record<UserPrincipal, TestUser>;
  const tokens = {} as Record<Principal, string | undefined>;
  let world: MatrixWorld;
  const sockets: ChatSocket[] = [];
  const adminEmail = uniqueEmail("admin");

  const send = (
    node: TestNode,
    p: Principal,
    method: string,
    path: string,
    body?: unknown,
    form?: boolean,
    tokenOverride?: string,
  ) => {
    let r = request(node.url)[method.toLowerCase() as "get"](path);
    const token = tokenOverride ?? tokens[p];
    if (token !== undefined) r = r.set("Authorization", `Bearer ${token}`);
    if (form) r = r.type("form");
    return body === undefined ? r : r.send(body as object);
  };
  const login = async (u: TestUser) =>
    (await request(a.url).post("/api/v1/token").send({ username: u.email, password: u.password }).expect(200))
      .body.access_token as string;
  const open = async (node: TestNode, p: UserPrincipal) => {
    const s = await connect(node.url, users[p].token);
    sockets.push(s);
    return s;
  };

  before(async () => {
    two = await startTwoNodes({ REDIS_KEY_PREFIX: "acl", ADMIN_EMAILS: adminEmail });
    ({ a, b } = two);
    db = new DbProbe(a.databaseUrl);
    const root = await createUser(a.url, "Root"); // the first user, an administrator by being first: not in the matrix
    users.owner = await createUser(a.url, "Owner");
    users.admin = await createUser(a.url, "Admin", { email: adminEmail });
    users.member = await createUser(a.url, "Member");
    users.outsider = await createUser(a.url, "Outsider");
    const ghost = await createUser(a.url, "Ghost");
    await db.query("DELETE FROM users WHERE id = $1", [ghost.id]);

    const groupId = await createGroup(a.url, users.owner, [users.member], "acl");
    await request(a.url)
      .post(`/api/v1/chats/${groupId}/members`)
      .set(users.owner.auth)
      .send({ user_id: users.admin.id, role: "admin" })
      .expect(200);
    const say = async (who: TestUser, text: string) =>
      (
        await request(a.url)
          .post(`/api/v1/chats/${groupId}/messages`)
          .set(who.auth)
          .send({ client_id: crypto.randomUUID(), text })
          .expect(201)
      ).body.message.id as number;
    const picture = { name: "m.png", mime: "image/png", bytes: await tinyPng() };
    const attachmentId = await readyFile(a.url, users.member, picture);
    await sendWithFiles(a.url, users.member, groupId, [attachmentId], "a picture");
    world = {
      groupId,
      attachmentId,
      freshUpload: async () => {
        const asked = await askUpload(a.url, users.member, {
          name: picture.name,
          mime: picture.mime,
          size: picture.bytes.length,
        });
        expect((await putBytes(a.url, asked, picture.bytes)).status).to.equal(200);
        return asked.id;
      },
      ownerMessageId: await say(users.owner, "from the owner"),
      memberMessageId: await say(users.member, "from the member"),
      memberMessageToDeleteId: await say(users.member, "to be deleted"),
      memberId: users.member.id,
      login: { email: users.outsider.email, password: users.outsider.password },
      freshUser: async () => (await createUser(a.url, "Spare")).id,
      foreignToken: root.token,
      freshRefreshToken: async () =>
        (
          await request(a.url)
            .post("/api/v1/token")
            .send({ username: users.outsider.email, password: users.outsider.password })
            .expect(200)
        ).body.refresh_token as string,
      ownerSpareSession: async () =>
        (
          await request(a.url)
            .post("/api/v1/token")
            .send({ username: users.owner.email, password: users.owner.password })
            .expect(200)
        ).body.session_id as string,
      memberDeviceId: await registerTestDevice(a.url, users.member),
      freshMemberDevice: () => registerTestDevice(a.url, users.member),
      freshMember: async () => {
        const spare = await createUser(a.url, "Spare");
        await request(a.url)
          .post(`/api/v1/chats/${groupId}/members?user_id=${spare.id}`)
          .set(users.owner.auth)
          .expect(200);
        return spare.id;
      },
    };
    Object.assign(tokens, principalTokens(users.owner.id, ghost.token, users));
  });

  after(async () => {
    for (const s of sockets) s.close();
    await db?.close();
    await stopTwoNodes(two);
  });

  it("has a row for every route of the table and every client event", () => {
    expect(Object.keys(restMatrix).sort()).to.deep.equal(Object.keys(routes).sort());
    expect(Object.keys(eventMatrix).sort()).to.deep.equal(Object.keys(clientEvents).sort());
  });

  describe("REST: route × principal (node A)", () => {
    for (const name of Object.keys(routes) as RouteName[]) {
      const def: RouteDef = routes[name];
      it(`${def.method.toUpperCase()} ${servedPath(def)}`, async () => {
        const row = restMatrix[name];
        // The row must call this route where it is served (under /api/v1, probes at the root),
        // not a look-alike path that some other handler (or the 404) would answer.
        const served = new RegExp(`^${servedPath(def).replace(/\{\w+\}/g, "[^/?]+")}(\\?|$)`);
        const got: string[] = [];
        const want: string[] = [];
        for (const p of PRINCIPALS) {
          const expected: Outcome = isUser(p)
            ? row.expect[p]
            : def.auth
              ? [401, TOKEN_REFUSAL[p]]
              : row.expect.outsider;
          const call = await row.call(world);
          expect(call.path, name).to.match(served);
          // A row that ends sessions runs in a session of its own (matrix.ts, RestCall.session).
          const own = call.session && isUser(p) ? await login(users[p]) : undefined;
          const res = await send(a, p, def.method, call.path, call.body, call.form, own);
          if (own && call.session === "adopt" && isUser(p)) {
            tokens[p] = own;
            users[p].token = own;
            users[p].auth = { Authorization: `Bearer ${own}` };
          }
          const [status, code] = typeof expected === "number" ? [expected, undefined] : expected;
          want.push(`${p}: ${status}${code ? ` ${code}` : ""}`);
          got.push(`${p}: ${res.status}${code ? ` ${res.body?.error?.code}` : ""}`);
        }
        expect(got).to.deep.equal(want);
      });
    }
  });

  describe("socket: event × principal (node B)", () => {
    it("a broken, missing or dead token never gets a socket", async () => {
      const got = await Promise.all(
        TOKEN_PRINCIPALS.map(async (p) => `${p}: ${await handshake(b.url, tokens[p])}`),
      );
      expect(got).to.deep.equal(TOKEN_PRINCIPALS.map((p) => `${p}: ${TOKEN_REFUSAL[p]}`));
    });

    for (const event of Object.keys(clientEvents) as ClientEventName[]) {
      it(event, async () => {
        const row = eventMatrix[event];
        const got: string[] = [];
        for (const p of USER_PRINCIPALS) {
          const s = await open(b, p);
          got.push(`${p}: ${await ackCode(s.request(event, row.payload(world) as never))}`);
          s.close();
        }
        expect(got).to.deep.equal(USER_PRINCIPALS.map((p) => `${p}: ${row.expect[p]}`));
      });
    }
  });

  describe("roles", () => {
    it("cannot be escalated: admins add members only, nobody but the owner manages admins or the owner", async () => {
      const { owner, admin, member } = users;
      const chatId = await createGroup(a.url, owner, [member], "roles");
      await request(a.url)
        .post(`/api/v1/chats/${chatId}/members`)
        .set(owner.auth)
        .send({ user_id: admin.id, role: "admin" })
        .expect(200);
      const second = await createUser(a.url, "Second");
      const third = await createUser(a.url, "Third");
      const outcome = async (r: request.Test) => {
        const res = await r;
        return `${res.status}${res.body.error ? ` ${res.body.error.code}` : ""}`;
      };
      const add = (who: TestUser, body: object) =>
        request(b.url).post(`/api/v1/chats/${chatId}/members`).set(who.auth).send(body);
      const remove = (who: TestUser, target: number) =>
        request(b.url).delete(`/api/v1/chats/${chatId}/members/${target}`).set(who.auth);
      expect([
        await outcome(add(admin, { user_id: second.id, role: "admin" })),
        await outcome(add(member, { user_id: second.id })),
        await outcome(add(member, { user_id: member.id, role: "admin" })),
        await outcome(remove(admin, owner.id)),
        await outcome(remove(member, admin.id)),
        await outcome(add(owner, { user_id: second.id, role: "admin" })),
        await outcome(remove(admin, second.id)),
        await outcome(add(admin, { user_id: third.id })),
        await outcome(remove(admin, third.id)),
        await outcome(remove(member, member.id)),
      ]).to.deep.equal([
        "403 forbidden", // an admin cannot make admins
        "403 forbidden", // a member cannot add anyone
        "403 forbidden", // nor promote themselves
        "403 forbidden", // nobody removes the owner
        "403 forbidden", // a member removes nobody else
        "200", // the owner makes admins
        "403 forbidden", // an admin cannot remove another admin
        "200", // an admin adds members
        "200", // and removes them
        "200", // anyone may leave
      ]);
      const roles = await db.query<{ user_id: number; role: string }>(
        "SELECT user_id, role FROM chat_members WHERE chat_id = $1 ORDER BY user_id",
        [chatId],
      );
      expect(roles.rows).to.deep.equal(
        [
          { user_id: owner.id, role: "owner" },
          { user_id: admin.id, role: "admin" },
          { user_id: second.id, role: "admin" },
        ].sort((x, y) => x.user_id - y.user_id),
      );
    });
  });

  describe("sessions", () => {
    it("a socket is told and cut when its token expires", async () => {
      const s = await connect(b.url, shortLivedToken(users.member.id, 3));
      sockets.push(s);
      const expired = new Promise<string>((r) => s.socket.once("session:expired", (e) => r(e.reason)));
      const gone = new Promise<string>((r) => s.socket.once("disconnect", (reason) => r(reason)));
      expect(await expired).to.match(/expired/);
      expect(await gone).to.equal("io server disconnect");
    });
  });

  describe("private chats stay private", () => {
    it("a third person (even an admin of another chat) can neither read, write, join nor listen", async () => {
      const { owner, member, admin, outsider } = users;
      const p = await request(a.url)
        .post("/api/v1/chats")
        .set(owner.auth)
        .send({ chat_type: "private", member_ids: [member.id] })
        .expect(201);
      const chatId = p.body.chat_id as number;
      const [sOwner, sMember, sAdmin, sOutsider] = await Promise.all([
        open(a, "owner"),
        open(b, "member"),
        open(a, "admin"),
        open(b, "outsider"),
      ]);
      const heard: Record<string, Message[]> = { admin: [], outsider: [], member: [] };
      sAdmin.socket.on("message:new", (m) => heard.admin.push(m));
      sOutsider.socket.on("message:new", (m) => heard.outsider.push(m));
      sMember.socket.on("message:new", (m) => heard.member.push(m));
      const { message } = await sOwner.send(chatId, "just between us");

      for (const stranger of [admin, outsider]) {
        for (const node of [a, b]) {
          const api = (m: "get" | "post" | "put", path: string) =>
            request(node.url)[m](path).set(stranger.auth);
          const answers = await Promise.all([
            api("get", `/api/v1/chats/${chatId}`),
            api("get", `/api/v1/chats/${chatId}/members`),
            api("get", `/api/v1/chats/${chatId}/messages?after_seq=0`),
            api("post", `/api/v1/chats/${chatId}/messages`).send({
              client_id: crypto.randomUUID(),
              text: "hi",
            }),
            api("put", `/api/v1/chats/${chatId}/read`).send({ seq: 1 }),
            api("post", `/api/v1/chats/${chatId}/members?user_id=${stranger.id}`),
          ]);
          expect(answers.map((r) => `${r.status} ${r.body.error?.code}`)).to.deep.equal(
            Array(answers.length).fill("403 not_a_member"),
          );
          // The origin's surface: the same refusal in FastAPI's shape.
          const origin = await Promise.all([
            api("get", `/history/${chatId}`),
            api("put", `/message/read/${message.id}`),
          ]);
          expect(origin.map((r) => `${r.status} ${r.body.detail}`)).to.deep.equal(
            Array(origin.length).fill(`403 ${NOT_A_MEMBER}`),
          );
        }
      }
      for (const s of [sAdmin, sOutsider]) {
        expect(await ackCode(s.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] }))).to.equal(
          "not_a_member",
        );
        expect(await ackCode(s.request("typing", { chat_id: chatId, is_typing: true }))).to.equal(
          "not_a_member",
        );
        expect(await ackCode(s.request("message:read", { message_id: message.id }))).to.equal("not_a_member");
      }
      // Nobody can be added to a private chat, not even by its creator.
      const add = await request(a.url)
        .post(`/api/v1/chats/${chatId}/members?user_id=${outsider.id}`)
        .set(owner.auth);
      expect([add.status, add.body.error?.code]).to.deep.equal([409, "conflict"]);
      const kick = await request(b.url)
        .delete(`/api/v1/chats/${chatId}/members/${member.id}`)
        .set(owner.auth);
      expect([kick.status, kick.body.error?.code]).to.deep.equal([409, "conflict"]);

      // The member hears the message (on node B): by then the others would have too.
      await eventually(() => expect(heard.member.map((m) => m.id)).to.include(message.id));
      expect(heard.admin.filter((m) => m.chat_id === chatId)).to.deep.equal([]);
      expect(heard.outsider.filter((m) => m.chat_id === chatId)).to.deep.equal([]);
      const list = await request(b.url).get("/api/v1/chats").set(outsider.auth).expect(200);
      expect(list.body.chats.map((c: { id: number }) => c.id)).not.to.include(chatId);
    });
  });

  describe("a removed member loses access at once, on every node", () => {
    it("REST and sockets on node A and node B refuse the next request after the removal", async () => {
      const owner = users.owner;
      const victim = await createUser(a.url, "Victim");
      const witness = await createUser(b.url, "Witness");
      const chatId = await createGroup(a.url, owner, [victim, witness], "kick");
      const vA = await connect(a.url, victim.token);
      const vB = await connect(b.url, victim.token);
      const wB = await connect(b.url, witness.token);
      sockets.push(vA, vB, wB);
      const victimHeard: Message[] = [];
      const removed: number[] = [];
      for (const s of [vA, vB]) {
        s.socket.on("message:new", (m) => victimHeard.push(m));
        s.socket.on("chat:removed", (e) => removed.push(e.chat_id));
      }
      const witnessHeard: Message[] = [];
      wB.socket.on("message:new", (m) => witnessHeard.push(m));
      // Before: the victim is in.
      const before = await vB.send(chatId, "still here");
      await request(b.url).get(`/api/v1/chats/${chatId}/messages`).set(victim.auth).expect(200);
      await eventually(() => expect(witnessHeard.map((m) => m.id)).to.include(before.message.id));

      await request(a.url).delete(`/api/v1/chats/${chatId}/members/${victim.id}`).set(owner.auth).expect(200);

      // At once, with no wait: every path is closed on both nodes.
      for (const node of [a, b]) {
        const answers = await Promise.all([
          request(node.url).get(`/api/v1/chats/${chatId}`).set(victim.auth),
          request(node.url).get(`/api/v1/chats/${chatId}/messages?after_seq=0`).set(victim.auth),
          request(node.url)
            .post(`/api/v1/chats/${chatId}/messages`)
            .set(victim.auth)
            .send({ client_id: crypto.randomUUID(), text: "let me in" }),
        ]);
        expect(answers.map((r) => `${r.status} ${r.body.error?.code}`)).to.deep.equal(
          Array(answers.length).fill("403 not_a_member"),
        );
        const origin = await Promise.all([
          request(node.url).get(`/history/${chatId}`).set(victim.auth),
          request(node.url).put(`/message/read/${before.message.id}`).set(victim.auth),
        ]);
        expect(origin.map((r) => `${r.status} ${r.body.detail}`)).to.deep.equal(
          Array(origin.length).fill(`403 ${NOT_A_MEMBER}`),
        );
      }
      for (const s of [vA, vB]) {
        expect(
          await ackCode(
            s.request("message:send", { chat_id: chatId, client_id: crypto.randomUUID(), text: "x" }),
          ),
        ).to.equal("not_a_member");
        expect(await ackCode(s.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] }))).to.equal(
          "not_a_member",
        );
        expect(await ackCode(s.request("message:read", { chat_id: chatId, seq: 1 }))).to.equal(
          "not_a_member",
        );
      }
      // Typing trusts the socket's rooms, which the adapter updates on node B a moment later.
      for (const s of [vA, vB]) {
        await eventually(
          async () =>
            expect(await ackCode(s.request("typing", { chat_id: chatId, is_typing: true }))).to.equal(
              "not_a_member",
            ),
          2000,
        );
      }
      // The next message reaches the witness on node B, and neither of the victim's devices.
      const after = await request(a.url)
        .post(`/api/v1/chats/${chatId}/messages`)
        .set(owner.auth)
        .send({ client_id: crypto.randomUUID(), text: "after the removal" })
        .expect(201);
      await eventually(() => expect(witnessHeard.map((m) => m.id)).to.include(after.body.message.id));
      expect(victimHeard.map((m) => m.id)).not.to.include(after.body.message.id);
      await eventually(() => expect(removed).to.deep.equal([chatId, chatId]));
      expect(
        await db.query("SELECT 1 FROM messages WHERE chat_id = $1 AND sender_id = $2", [chatId, victim.id]),
      ).to.have.property("rowCount", 1);
    });
  });
});
