/**
 * Every access rule on the origin's surface (issue 14 item 2): route × principal, as
 * test/security/access-control.test.ts does for the main table, with the origin's answers —
 * 401/403 with `{"detail": "…"}`, never the origin's open doors (it needed no token for chats,
 * members or history, and let anyone add anyone).
 */
import { expect } from "chai";
import request from "supertest";
import { originRoutes, originText, type OriginRouteDef, type OriginRouteName } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { PASSWORD } from "../support/users.ts";
import { DbProbe } from "../security/support/db-state.ts";
import { principalTokens } from "../security/support/tokens.ts";
import {
  PRINCIPALS,
  USER_PRINCIPALS,
  type Principal,
  type UserPrincipal,
} from "../security/access/matrix.ts";
import { originMatrix, type OriginWorld } from "./origin-matrix.ts";
import { originGroup, originUser, sendV1, type OriginUser } from "./origin-client.ts";

const isUser = (p: Principal): p is UserPrincipal => (USER_PRINCIPALS as readonly string[]).includes(p);

describe("origin surface: access matrix (route × principal)", function () {
  this.timeout(30_000);
  const node = useNode();
  const users = {} as Record<UserPrincipal, OriginUser>;
  const tokens = {} as Record<Principal, string | undefined>;
  let world: OriginWorld;

  before(async () => {
    users.owner = await originUser(node.url, "Owner");
    users.admin = await originUser(node.url, "Admin");
    users.member = await originUser(node.url, "Member");
    users.outsider = await originUser(node.url, "Outsider");
    const ghost = await originUser(node.url, "Ghost");
    const db = new DbProbe(node.databaseUrl);
    await db.query("DELETE FROM users WHERE id = $1", [ghost.id]);
    await db.close();
    const groupId = await originGroup(node.url, users.owner, [users.member]);
    await request(node.url)
      .post(`/chats/${groupId}/members?user_id=${users.admin.id}&role=admin`)
      .set(users.owner.auth)
      .expect(200);
    world = {
      groupId,
      ownerMessageId: await sendV1(node.url, users.owner, groupId, "from the owner"),
      login: { email: users.outsider.email, password: PASSWORD },
      freshUser: async () => (await originUser(node.url, "Spare")).id,
    };
    Object.assign(tokens, principalTokens(users.owner.id, ghost.token, users));
  });

  it("has a row for every origin route", () => {
    expect(Object.keys(originMatrix).sort()).to.deep.equal(Object.keys(originRoutes).sort());
  });

  for (const name of Object.keys(originRoutes) as OriginRouteName[]) {
    const def: OriginRouteDef = originRoutes[name];
    it(`${def.method.toUpperCase()} ${def.path}`, async () => {
      const row = originMatrix[name];
      const got: string[] = [];
      const want: string[] = [];
      for (const p of PRINCIPALS) {
        const status = isUser(p) || !def.auth ? row.expect[isUser(p) ? p : "outsider"] : 401;
        const call = await row.call(world);
        let r = request(node.url)[def.method](call.path);
        if (tokens[p] !== undefined) r = r.set("Authorization", `Bearer ${tokens[p]}`);
        if (call.form) r = r.type("form");
        const res = await (call.body === undefined ? r : r.send(call.body as object));
        // Refusals come in FastAPI's shape; a missing token and a bad one are told apart as FastAPI does.
        const detail =
          status === 401 ? (p === "none" ? originText.notAuthenticated : originText.badToken) : undefined;
        want.push(`${p}: ${status}${status >= 400 ? " detail" : ""}${detail ? ` ${detail}` : ""}`);
        const shape = res.status >= 400 && typeof res.body?.detail === "string" ? " detail" : "";
        got.push(`${p}: ${res.status}${shape}${detail ? ` ${res.body?.detail}` : ""}`);
      }
      expect(got).to.deep.equal(want);
    });
  }

  it("only the owner makes admins; role=admin from an admin is refused", async () => {
    const spare = await originUser(node.url, "Spare");
    const res = await request(node.url)
      .post(`/chats/${world.groupId}/members?user_id=${spare.id}&role=admin`)
      .set(users.admin.auth);
    expect([res.status, res.body]).to.deep.equal([403, { detail: "Only the owner may add admins" }]);
  });
});
