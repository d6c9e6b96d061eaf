/**
 * The access-control matrix: what every route of packages/protocol's table and every client
 * socket event answers to each kind of caller. Typed as Record<RouteName, …> and
 * Record<ClientEventName, …>, so adding a route or an event without a row here fails the type
 * check (and the test checks the keys too). The five token-level principals are not written per
 * row: they follow from the route's `auth` flag in the table.
 */
import crypto from "node:crypto";
import type { ClientEventName, ErrorCode, RouteName } from "@chat/protocol";
import { pushSubscriptionSample } from "../../rest/helpers/route-samples.ts";

/** Holders of a broken or no token. */
export const TOKEN_PRINCIPALS = ["none", "forged", "expired", "algNone", "deleted"] as const;
/** Real users, by their place in the chat the row acts on. */
export const USER_PRINCIPALS = ["outsider", "member", "admin", "owner"] as const;
export const PRINCIPALS = [...TOKEN_PRINCIPALS, ...USER_PRINCIPALS] as const;

export type TokenPrincipal = (typeof TOKEN_PRINCIPALS)[number];
export type UserPrincipal = (typeof USER_PRINCIPALS)[number];
export type Principal = (typeof PRINCIPALS)[number];

/** How a protected route or the socket handshake refuses each bad token. */
export const TOKEN_REFUSAL: Record<TokenPrincipal, ErrorCode> = {
  none: "unauthorized",
  forged: "unauthorized",
  expired: "token_expired",
  algNone: "unauthorized",
  deleted: "unauthorized",
};

/** A status, or a status with the catalogue code of the refusal. */
export type Outcome = number | [number, ErrorCode];

/** The ids a row's request points at; `fresh` ones are made for each request that may succeed. */
export interface MatrixWorld {
  groupId: number;
  /** Sent by the member: only the member may edit or delete them. */
  memberMessageId: number;
  memberMessageToDeleteId: number;
  /** Sent by the owner. */
  ownerMessageId: number;
  memberId: number;
  /** Credentials anyone may log in with (the route ignores the caller's token). */
  login: { email: string; password: string };
  /** A registered user outside the group. */
  freshUser(): Promise<number>;
  /** A plain member of the group, added for this request. */
  freshMember(): Promise<number>;
  /** A valid access token of a user outside the matrix. */
  foreignToken: string;
  /** The refresh token of a new login (of the `login` account). */
  freshRefreshToken(): Promise<string>;
  /** The id of a new session of the owner (only the owner may end it). */
  ownerSpareSession(): Promise<string>;
  /** A registered device of the member (only the member may manage it), and a new one per call. */
  memberDeviceId: string;
  freshMemberDevice(): Promise<string>;
  /** A ready image of the member, sent to the group (linked to a message of the member). */
  attachmentId: string;
  /** A new upload of the member whose bytes have arrived, not yet completed. */
  freshUpload(): Promise<string>;
}

export interface RestCall {
  path: string;
  body?: unknown;
  form?: boolean;
  /**
   * The call ends sessions, so each user makes it from a session of its own, logged in for it:
   * "fresh" (logout: that session dies), or "adopt" (sign out the others: the new session
   * survives and becomes the principal's token for the rows after it).
   */
  session?: "fresh" | "adopt";
}

export interface RestRow {
  call(w: MatrixWorld): Promise<RestCall> | RestCall;
  /** Outcome for each real user (for a route without auth, every caller gets `outsider`'s). */
  expect: Record<UserPrincipal, Outcome>;
}

const all = (o: Outcome): Record<UserPrincipal, Outcome> => ({ outsider: o, member: o, admin: o, owner: o });
const membersOnly = (ok: Outcome): Record<UserPrincipal, Outcome> => ({
  outsider: [403, "not_a_member"],
  member: ok,
  admin: ok,
  owner: ok,
});
const managersOnly = (ok: Outcome): Record<UserPrincipal, Outcome> => ({
  outsider: [403, "not_a_member"],
  member: [403, "forbidden"],
  admin: ok,
  owner: ok,
});
/** A file: its chat's members; anyone else is told it does not exist. */
const chatFile = (ok: Outcome): Record<UserPrincipal, Outcome> => ({
  outsider: [404, "not_found"],
  member: ok,
  admin: ok,
  owner: ok,
});
const senderOnly = (ok: Outcome): Record<UserPrincipal, Outcome> => ({
  outsider: [403, "not_a_member"],
  member: ok,
  admin: [403, "forbidden"],
  owner: [403, "forbidden"],
});

/** Someone else's device looks like no device at all. */
const memberDeviceOnly = (ok: Outcome): Record<UserPrincipal, Outcome> => ({
  outsider: [404, "not_found"],
  member: ok,
  admin: [404, "not_found"],
  owner: [404, "not_found"],
});
/** Those who share the matrix's group with the member. */
const sharingAChat = (ok: Outcome, refusal: Outcome): Record<UserPrincipal, Outcome> => ({
  outsider: refusal,
  member: ok,
  admin: ok,
  owner: ok,
});

export const restMatrix: Record<RouteName, RestRow> = {
  register: {
    call: () => ({
      path: "/api/v1/register",
      body: { name: "New", email: `new-${crypto.randomUUID()}@example.test`, password: "password123" },
    }),
    expect: all(201),
  },
  token: {
    call: (w) => ({
      path: "/api/v1/token",
      form: true,
      body: { username: w.login.email, password: w.login.password },
    }),
    expect: all(200),
  },
  refresh: {
    call: async (w) => ({
      path: "/api/v1/auth/refresh",
      body: { refresh_token: await w.freshRefreshToken() },
    }),
    expect: all(200),
  },
  logout: { call: () => ({ path: "/api/v1/auth/logout", session: "fresh" }), expect: all(200) },
  listSessions: { call: () => ({ path: "/api/v1/sessions" }), expect: all(200) },
  // Without the current password nobody changes it (a stolen token is not enough).
  changePassword: {
    call: () => ({
      path: "/api/v1/me/password",
      body: { current_password: "not the password", new_password: "another password" },
    }),
    expect: all([403, "wrong_password"]),
  },
  // Someone else's session is not found (nothing is learnt about it), whoever asks.
  endSession: {
    call: async (w) => ({ path: `/api/v1/sessions/${await w.ownerSpareSession()}` }),
    expect: {
      outsider: [404, "not_found"],
      member: [404, "not_found"],
      admin: [404, "not_found"],
      owner: 200,
    },
  },
  endOtherSessions: { call: () => ({ path: "/api/v1/sessions", session: "adopt" }), expect: all(200) },
  // Without the password nobody deletes the account (a stolen token is not enough).
  deleteAccount: {
    call: () => ({ path: "/api/v1/me/delete", body: { password: "not the password" } }),
    expect: all([403, "wrong_password"]),
  },
  me: { call: () => ({ path: "/api/v1/me" }), expect: all(200) },
  // Each principal renames only itself (the route has no user id to aim elsewhere).
  updateMe: {
    call: () => ({ path: "/api/v1/me", body: { name: "Renamed by the matrix" } }),
    expect: all(200),
  },
  searchUsers: { call: () => ({ path: "/api/v1/users?query=e" }), expect: all(200) },
  presence: { call: (w) => ({ path: `/api/v1/users/${w.memberId}/presence` }), expect: all(200) },
  listChats: { call: () => ({ path: "/api/v1/chats" }), expect: all(200) },
  createChat: {
    call: () => ({ path: "/api/v1/chats", body: { name: "mine", chat_type: "group" } }),
    expect: all(201),
  },
  getChat: { call: (w) => ({ path: `/api/v1/chats/${w.groupId}` }), expect: membersOnly(200) },
  listMembers: { call: (w) => ({ path: `/api/v1/chats/${w.groupId}/members` }), expect: membersOnly(200) },
  addMember: {
    call: async (w) => ({ path: `/api/v1/chats/${w.groupId}/members?user_id=${await w.freshUser()}` }),
    expect: managersOnly(200),
  },
  removeMember: {
    call: async (w) => ({ path: `/api/v1/chats/${w.groupId}/members/${await w.freshMember()}` }),
    expect: managersOnly(200),
  },
  listMessages: { call: (w) => ({ path: `/api/v1/chats/${w.groupId}/messages` }), expect: membersOnly(200) },
  searchMessages: {
    call: (w) => ({ path: `/api/v1/search?q=matrix&chat_id=${w.groupId}` }),
    expect: membersOnly(200),
  },
  toggleReaction: {
    call: (w) => ({
      path: `/api/v1/chats/${w.groupId}/messages/${w.memberMessageId}/reactions`,
      body: { emoji: "🎉" },
    }),
    expect: membersOnly(200),
  },
  sendMessage: {
    call: (w) => ({
      path: `/api/v1/chats/${w.groupId}/messages`,
      body: { client_id: crypto.randomUUID(), text: "matrix" },
    }),
    expect: membersOnly(201),
  },
  editMessage: {
    call: (w) => ({
      path: `/api/v1/chats/${w.groupId}/messages/${w.memberMessageId}`,
      body: { text: "edited" },
    }),
    expect: senderOnly(200),
  },
  deleteMessage: {
    call: (w) => ({ path: `/api/v1/chats/${w.groupId}/messages/${w.memberMessageToDeleteId}` }),
    expect: senderOnly(200),
  },
  readChat: {
    call: (w) => ({ path: `/api/v1/chats/${w.groupId}/read`, body: { seq: 1 } }),
    expect: membersOnly(200),
  },
  registerDevice: {
    call: () => ({
      path: "/api/v1/devices",
      body: { name: "matrix", signature_key: crypto.randomBytes(32).toString("base64") },
    }),
    expect: all(201),
  },
  listDevices: { call: () => ({ path: "/api/v1/devices" }), expect: all(200) },
  renameDevice: {
    call: (w) => ({ path: `/api/v1/devices/${w.memberDeviceId}`, body: { name: "renamed" } }),
    expect: memberDeviceOnly(200),
  },
  removeDevice: {
    call: async (w) => ({ path: `/api/v1/devices/${await w.freshMemberDevice()}` }),
    expect: memberDeviceOnly(200),
  },
  userDevices: {
    call: (w) => ({ path: `/api/v1/users/${w.memberId}/devices` }),
    expect: sharingAChat(200, [404, "user_not_found"]),
  },
  uploadKeyPackages: {
    call: (w) => ({ path: `/api/v1/devices/${w.memberDeviceId}/key-packages`, body: { key_packages: [] } }),
    expect: memberDeviceOnly(200),
  },
  keyPackageStock: {
    call: (w) => ({ path: `/api/v1/devices/${w.memberDeviceId}/key-packages` }),
    expect: memberDeviceOnly(200),
  },
  claimKeyPackages: {
    call: (w) => ({ path: "/api/v1/key-packages/claim", body: { device_ids: [w.memberDeviceId] } }),
    expect: sharingAChat(200, [403, "forbidden"]),
  },
  externalSender: { call: () => ({ path: "/api/v1/mls/external-sender" }), expect: all(200) },
  vapidPublicKey: { call: () => ({ path: "/api/v1/push/vapid-public-key" }), expect: all(200) },
  subscribePush: {
    call: () => ({ path: "/api/v1/push/subscriptions", body: pushSubscriptionSample() }),
    expect: all(201),
  },
  // Only my own subscriptions: someone else's endpoint is "not removed", never removed.
  unsubscribePush: {
    call: () => ({
      path: `/api/v1/push/subscriptions?endpoint=${encodeURIComponent("http://127.0.0.1:9/x")}`,
    }),
    expect: all(200),
  },
  muteChat: {
    call: (w) => ({ path: `/api/v1/chats/${w.groupId}/mute`, body: { until: "forever" } }),
    expect: membersOnly(200),
  },
  // The matrix's group is a plain one: it has no MLS group to show.
  groupInfo: {
    call: (w) => ({ path: `/api/v1/chats/${w.groupId}/mls/group-info` }),
    expect: membersOnly([409, "conflict"]),
  },
  createUpload: {
    call: () => ({ path: "/api/v1/attachments", body: { name: "m.png", size: 100, mime: "image/png" } }),
    expect: all(201),
  },
  // Only the uploader completes an upload; to anyone else it does not exist.
  completeUpload: {
    call: async (w) => ({ path: `/api/v1/attachments/${await w.freshUpload()}/complete` }),
    expect: {
      outsider: [404, "not_found"],
      member: 200,
      admin: [404, "not_found"],
      owner: [404, "not_found"],
    },
  },
  getAttachment: { call: (w) => ({ path: `/api/v1/attachments/${w.attachmentId}` }), expect: chatFile(302) },
  getAttachmentThumbnail: {
    call: (w) => ({ path: `/api/v1/attachments/${w.attachmentId}/thumbnail` }),
    expect: chatFile(302),
  },
  getAttachmentLink: {
    call: (w) => ({ path: `/api/v1/attachments/${w.attachmentId}/link` }),
    expect: chatFile(200),
  },
  healthz: { call: () => ({ path: "/healthz" }), expect: all(200) },
  readyz: { call: () => ({ path: "/readyz" }), expect: all(200) },
  // The matrix's admin is also in ADMIN_EMAILS: the cluster view is for administrators only.
  adminCluster: {
    call: () => ({ path: "/api/v1/admin/cluster" }),
    expect: {
      outsider: [403, "forbidden"],
      member: [403, "forbidden"],
      admin: 200,
      owner: [403, "forbidden"],
    },
  },
  adminOverview: {
    call: () => ({ path: "/api/v1/admin/overview" }),
    expect: {
      outsider: [403, "forbidden"],
      member: [403, "forbidden"],
      admin: 200,
      owner: [403, "forbidden"],
    },
  },
};

/** A socket event's ack: "ok" or the catalogue code of the refusal. */
export type AckOutcome = "ok" | ErrorCode;

export interface EventRow {
  payload(w: MatrixWorld): unknown;
  expect: Record<UserPrincipal, AckOutcome>;
}

const ackMembersOnly: Record<UserPrincipal, AckOutcome> = {
  outsider: "not_a_member",
  member: "ok",
  admin: "ok",
  owner: "ok",
};
const ackSenderOnly: Record<UserPrincipal, AckOutcome> = {
  outsider: "not_a_member",
  member: "ok",
  admin: "forbidden",
  owner: "forbidden",
};

export const eventMatrix: Record<ClientEventName, EventRow> = {
  "message:send": {
    payload: (w) => ({ chat_id: w.groupId, client_id: crypto.randomUUID(), text: "matrix" }),
    expect: ackMembersOnly,
  },
  "message:read": { payload: (w) => ({ chat_id: w.groupId, seq: 1 }), expect: ackMembersOnly },
  "message:edit": {
    payload: (w) => ({ chat_id: w.groupId, message_id: w.memberMessageId, text: "edited again" }),
    expect: ackSenderOnly,
  },
  "message:delete": {
    payload: (w) => ({ chat_id: w.groupId, message_id: w.memberMessageToDeleteId }),
    expect: ackSenderOnly,
  },
  typing: { payload: (w) => ({ chat_id: w.groupId, is_typing: true }), expect: ackMembersOnly },
  "reaction:toggle": {
    payload: (w) => ({ chat_id: w.groupId, message_id: w.memberMessageId, emoji: "👍" }),
    expect: ackMembersOnly,
  },
  "presence:viewing": { payload: (w) => ({ chat_id: w.groupId }), expect: ackMembersOnly },
  search: { payload: (w) => ({ q: "matrix", chat_id: w.groupId }), expect: ackMembersOnly },
  sync: { payload: (w) => ({ chats: [{ chat_id: w.groupId, after_seq: 0 }] }), expect: ackMembersOnly },
  // The matrix's sockets speak for no device: MLS needs one (encryption tests cover the rest).
  "mls:send": {
    payload: (w) => ({
      chat_id: w.groupId,
      client_id: crypto.randomUUID(),
      data: Buffer.from("not mls").toString("base64"),
    }),
    expect: {
      outsider: "device_required",
      member: "device_required",
      admin: "device_required",
      owner: "device_required",
    },
  },
  "mls:welcomes": {
    payload: () => ({}),
    expect: {
      outsider: "device_required",
      member: "device_required",
      admin: "device_required",
      owner: "device_required",
    },
  },
  "mls:welcome_ack": {
    payload: () => ({ ids: [1] }),
    expect: {
      outsider: "device_required",
      member: "device_required",
      admin: "device_required",
      owner: "device_required",
    },
  },
  // Another user's valid token: a socket cannot be moved to someone else's account.
  "auth:renew": {
    payload: (w) => ({ token: w.foreignToken }),
    expect: { outsider: "forbidden", member: "forbidden", admin: "forbidden", owner: "forbidden" },
  },
  // No principal has a device with this id (binding one's own is in test/encryption/device-bind).
  "device:bind": {
    payload: () => ({ device_id: "00000000-0000-4000-8000-000000000000" }),
    expect: {
      outsider: "device_required",
      member: "device_required",
      admin: "device_required",
      owner: "device_required",
    },
  },
};
