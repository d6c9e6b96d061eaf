/**
 * One valid request per route of the table. The table walks in errors.test.ts start from these
 * and break one thing at a time; the `Record<RouteName, …>` type makes a new route without a
 * sample a compile error, so no route escapes the walks.
 */
import crypto from "node:crypto";
import request, { type Test } from "supertest";
import type { RouteName } from "@chat/protocol";
import type { TestUser } from "../../support/users.ts";
import { def, fillPath } from "./paths.ts";

export interface WalkFixture {
  owner: TestUser;
  member: TestUser;
  outsider: TestUser;
  /** A group of owner and member. The owner registered first, so is also the cluster admin. */
  chatId: number;
  /** A message of the owner in that chat. */
  messageId: number;
  /** A live refresh token of the owner (spent by the first refresh sample sent). */
  refreshToken: string;
  /** A live session of the owner other than the one of `owner.token`. */
  spareSessionId: string;
  /** An encrypted group of owner and member (issue 17). */
  encryptedChatId: number;
  /** A registered device of the owner, and a second one for the removal sample. */
  deviceId: string;
  spareDeviceId: string;
  /** A ready upload of the owner (an image: it has a thumbnail). */
  attachmentId: string;
}

/** A browser-like Web Push subscription (a fresh P-256 key and auth secret) at an unused local endpoint. */
export const pushSubscriptionSample = () => ({
  endpoint: `http://127.0.0.1:9/push/${crypto.randomUUID()}`,
  keys: {
    p256dh: crypto.createECDH("prime256v1").generateKeys().toString("base64url"),
    auth: crypto.randomBytes(16).toString("base64url"),
  },
});

/** A random Ed25519-sized public key (base64): registration checks its size, not the curve. */
export const randomSignatureKey = () => crypto.randomBytes(32).toString("base64");

export interface Sample {
  params?: Record<string, number | string>;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  /** Body fields without which the request is a 400. */
  required?: string[];
  /** Body fields for which null is a valid value (e.g. "unmute"). */
  nullable?: string[];
  form?: boolean;
}

export const samples: Record<RouteName, (f: WalkFixture) => Sample> = {
  register: () => ({
    body: { name: "Walker", email: `walk-${crypto.randomUUID()}@example.test`, password: "password1" },
    required: ["name", "email", "password"],
  }),
  token: (f) => ({ body: { username: f.owner.email, password: f.owner.password }, required: ["password"] }),
  // The walks log in afresh for the session routes (errors.test.ts), so the owner's token survives.
  refresh: (f) => ({ body: { refresh_token: f.refreshToken }, required: ["refresh_token"] }),
  logout: () => ({}),
  listSessions: () => ({}),
  // The same password again: succeeds (ending the owner's other sessions) and changes nothing else.
  changePassword: (f) => ({
    body: { current_password: f.owner.password, new_password: f.owner.password },
    required: ["current_password", "new_password"],
  }),
  endSession: (f) => ({ params: { session_id: f.spareSessionId } }),
  endOtherSessions: () => ({}),
  // errors.test.ts sends the succeeding sample as a throwaway user, not as the owner.
  deleteAccount: (f) => ({ body: { password: f.owner.password }, required: ["password"] }),
  me: () => ({}),
  updateMe: () => ({ body: { name: "Walker renamed" }, required: ["name"] }),
  searchUsers: () => ({ query: { query: "walk" } }),
  presence: (f) => ({ params: { user_id: f.member.id } }),
  listChats: () => ({ query: { offset: "0" } }),
  createChat: () => ({ body: { name: "walk", chat_type: "group" }, required: ["chat_type"] }),
  getChat: (f) => ({ params: { chat_id: f.chatId } }),
  listMembers: (f) => ({ params: { chat_id: f.chatId } }),
  addMember: (f) => ({
    params: { chat_id: f.chatId },
    body: { user_id: f.member.id },
    required: ["user_id"],
  }),
  removeMember: (f) => ({ params: { chat_id: f.chatId, user_id: f.member.id } }),
  listMessages: (f) => ({ params: { chat_id: f.chatId }, query: { limit: "10" } }),
  toggleReaction: (f) => ({
    params: { chat_id: f.chatId, message_id: f.messageId },
    body: { emoji: "👍" },
    required: ["emoji"],
  }),
  searchMessages: (f) => ({ query: { q: "walk", chat_id: String(f.chatId) } }),
  sendMessage: (f) => ({
    params: { chat_id: f.chatId },
    body: { client_id: crypto.randomUUID(), text: "walk" },
    required: ["client_id", "text"],
  }),
  editMessage: (f) => ({
    params: { chat_id: f.chatId, message_id: f.messageId },
    body: { text: "edited" },
    required: ["text"],
  }),
  deleteMessage: (f) => ({ params: { chat_id: f.chatId, message_id: f.messageId } }),
  readChat: (f) => ({ params: { chat_id: f.chatId }, body: { seq: 1 }, required: ["seq"] }),
  createUpload: () => ({
    body: { name: "walk.png", size: 1000, mime: "image/png" },
    required: ["name", "size", "mime"],
  }),
  completeUpload: (f) => ({ params: { attachment_id: f.attachmentId } }),
  getAttachment: (f) => ({ params: { attachment_id: f.attachmentId } }),
  getAttachmentThumbnail: (f) => ({ params: { attachment_id: f.attachmentId } }),
  getAttachmentLink: (f) => ({ params: { attachment_id: f.attachmentId }, query: { variant: "thumbnail" } }),
  healthz: () => ({}),
  readyz: () => ({}),
  adminCluster: () => ({}),
  adminOverview: () => ({}),
  registerDevice: () => ({
    body: { name: "walk", signature_key: randomSignatureKey() },
    required: ["name", "signature_key"],
  }),
  listDevices: () => ({}),
  renameDevice: (f) => ({ params: { device_id: f.deviceId }, body: { name: "renamed" }, required: ["name"] }),
  removeDevice: (f) => ({ params: { device_id: f.spareDeviceId } }),
  userDevices: (f) => ({ params: { user_id: f.member.id } }),
  uploadKeyPackages: (f) => ({
    params: { device_id: f.deviceId },
    body: { key_packages: [] },
    required: ["key_packages"],
  }),
  keyPackageStock: (f) => ({ params: { device_id: f.deviceId } }),
  claimKeyPackages: (f) => ({ body: { device_ids: [f.deviceId] }, required: ["device_ids"] }),
  externalSender: () => ({}),
  groupInfo: (f) => ({ params: { chat_id: f.encryptedChatId } }),
  vapidPublicKey: () => ({}),
  subscribePush: () => ({ body: pushSubscriptionSample(), required: ["endpoint", "keys"] }),
  unsubscribePush: () => ({ query: { endpoint: "http://127.0.0.1:9/push/none" } }),
  muteChat: (f) => ({
    params: { chat_id: f.chatId },
    body: { until: "forever" },
    required: ["until"],
    nullable: ["until"],
  }),
};

/** Sends a sample (with changes) as `user`; the body is sent as given (JSON), or raw if a string. */
export function sendSample(
  baseUrl: string,
  name: RouteName,
  s: Sample,
  user?: TestUser,
  raw?: { body: string; type: string },
): Test {
  const d = def(name);
  let t = request(baseUrl)[d.method](fillPath(name, s.params));
  if (user) t = t.set(user.auth);
  if (s.query) t = t.query(s.query);
  if (raw) return t.set("content-type", raw.type).send(raw.body);
  if (s.body !== undefined) t = t.send(s.body);
  return t;
}
