/**
 * The access matrix of the origin's table (packages/protocol/src/origin-routes.ts): what each
 * route answers to each kind of caller. Typed as Record<OriginRouteName, …>, so a new origin
 * route without a row fails the type check. Token-level principals follow from the route's
 * `auth` flag: 401 `{"detail"}` whatever the route.
 */
import type { OriginRouteName } from "@chat/protocol";
import type { UserPrincipal } from "../security/access/matrix.ts";

export interface OriginWorld {
  groupId: number;
  ownerMessageId: number;
  login: { email: string; password: string };
  freshUser(): Promise<number>;
}

export interface OriginRow {
  call(
    w: OriginWorld,
  ):
    | Promise<{ path: string; body?: unknown; form?: boolean }>
    | { path: string; body?: unknown; form?: boolean };
  expect: Record<UserPrincipal, number>;
}

const all = (s: number): Record<UserPrincipal, number> => ({ outsider: s, member: s, admin: s, owner: s });
const membersOnly = { outsider: 403, member: 200, admin: 200, owner: 200 };
const managersOnly = { outsider: 403, member: 403, admin: 200, owner: 200 };

export const originMatrix: Record<OriginRouteName, OriginRow> = {
  register: {
    call: () => ({
      path: "/register",
      body: { name: "New", email: `new-${crypto.randomUUID()}@example.test`, password: "password123" },
    }),
    expect: all(200),
  },
  token: {
    call: (w) => ({
      path: "/token",
      form: true,
      body: { username: w.login.email, password: w.login.password },
    }),
    expect: all(200),
  },
  createChat: {
    call: () => ({ path: "/chats", body: { name: "mine", chat_type: "group" } }),
    expect: all(200),
  },
  addMember: {
    call: async (w) => ({ path: `/chats/${w.groupId}/members?user_id=${await w.freshUser()}&role=member` }),
    expect: managersOnly,
  },
  listMembers: { call: (w) => ({ path: `/chats/${w.groupId}/members` }), expect: membersOnly },
  history: { call: (w) => ({ path: `/history/${w.groupId}` }), expect: membersOnly },
  readMessage: { call: (w) => ({ path: `/message/read/${w.ownerMessageId}` }), expect: membersOnly },
};
