/**
 * Every REST route, once: the server validates with these schemas, the OpenAPI document is
 * generated from them, the client and the tests call through them, and the access-control tests
 * walk this list so a new route cannot be added without being covered.
 */
import type { z } from "zod";
import type { ErrorCode } from "./errors.ts";
import * as auth from "./schemas/auth.ts";
import * as chats from "./schemas/chats.ts";
import * as msgs from "./schemas/messages.ts";
import * as health from "./schemas/health.ts";
import * as admin from "./schemas/admin.ts";
import * as sessions from "./schemas/sessions.ts";
import * as files from "./schemas/attachments.ts";
import { PresenceSchema, UserIdParams } from "./schemas/presence.ts";
import * as mls from "./schemas/mls.ts";
import * as search from "./schemas/search.ts";
import * as reactions from "./schemas/reactions.ts";
import * as push from "./schemas/push.ts";

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteDef {
  method: Method;
  /** OpenAPI style: `/chats/{chat_id}`. */
  path: string;
  summary: string;
  tag: "auth" | "users" | "chats" | "messages" | "attachments" | "devices" | "push" | "health" | "admin";
  /** Needs a bearer token. */
  auth: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Also accepts `application/x-www-form-urlencoded` (the OAuth2 password form). */
  form?: boolean;
  status: number;
  response: z.ZodType;
  /** Extra 2xx answers, e.g. 200 for an idempotent repeat of a 201. */
  alsoStatus?: number[];
  errors: ErrorCode[];
}

const authErrors: ErrorCode[] = ["unauthorized", "token_expired"];
/** Routes that need the current password again (change it, delete the account). */
const passwordCheckedErrors: ErrorCode[] = [
  ...authErrors,
  "session_revoked",
  "validation_failed",
  "invalid_json",
  "wrong_password",
  "rate_limited",
];
const chatErrors: ErrorCode[] = [...authErrors, "validation_failed", "not_a_member", "chat_not_found"];

export const routes = {
  register: {
    method: "post",
    path: "/register",
    summary: "Create an account",
    tag: "auth",
    auth: false,
    body: auth.RegisterBody,
    status: 201,
    response: auth.RegisterResponse,
    errors: ["validation_failed", "invalid_json", "email_taken", "payload_too_large", "rate_limited"],
  },
  token: {
    method: "post",
    path: "/token",
    summary:
      "Log in (OAuth2 password flow; form or JSON): a bearer token, and a new session's refresh token (device label from X-Device-Name or the User-Agent)",
    tag: "auth",
    auth: false,
    body: auth.TokenBody,
    form: true,
    status: 200,
    response: sessions.SessionTokenResponse,
    errors: [
      "validation_failed",
      "invalid_json",
      "invalid_credentials",
      "rate_limited",
      "cross_site_refused",
    ],
  },
  refresh: {
    method: "post",
    path: "/auth/refresh",
    summary:
      "A new access token and refresh token for a refresh token (one-time use: presenting a used one ends its session). The web app sends no body token but `X-Refresh-Cookie: 1`: its HttpOnly cookie is read and replaced",
    tag: "auth",
    auth: false,
    body: sessions.RefreshBody,
    status: 200,
    response: sessions.SessionTokenResponse,
    errors: ["validation_failed", "invalid_json", "session_revoked", "rate_limited", "cross_site_refused"],
  },
  logout: {
    method: "post",
    path: "/auth/logout",
    summary:
      "End this session: its access and refresh tokens are refused on every node from now on (the refresh cookie, if any, is cleared)",
    tag: "auth",
    auth: true,
    status: 200,
    response: sessions.SessionsEndedResponse,
    errors: [...authErrors, "session_revoked"],
  },
  listSessions: {
    method: "get",
    path: "/sessions",
    summary: "My live sessions (devices), most recently used first; this one is marked `current`",
    tag: "auth",
    auth: true,
    status: 200,
    response: sessions.SessionListResponse,
    errors: [...authErrors, "session_revoked"],
  },
  endSession: {
    method: "delete",
    path: "/sessions/{session_id}",
    summary: "Sign out one of my sessions (404 if it is not mine or already ended)",
    tag: "auth",
    auth: true,
    params: sessions.SessionIdParams,
    status: 200,
    response: sessions.SessionsEndedResponse,
    errors: [...authErrors, "session_revoked", "validation_failed", "not_found"],
  },
  endOtherSessions: {
    method: "delete",
    path: "/sessions",
    summary: "Sign out all my other sessions (every device but this one)",
    tag: "auth",
    auth: true,
    status: 200,
    response: sessions.SessionsEndedResponse,
    errors: [...authErrors, "session_revoked"],
  },
  changePassword: {
    method: "put",
    path: "/me/password",
    summary: "Change my password (the current one required); every other session of mine ends",
    tag: "users",
    auth: true,
    body: auth.ChangePasswordBody,
    status: 200,
    response: sessions.SessionsEndedResponse,
    errors: passwordCheckedErrors,
  },
  deleteAccount: {
    method: "post",
    path: "/me/delete",
    summary:
      'Delete my account (password required): every session ends and every socket drops at once; my messages stay, shown as from "Deleted user"; my email is free again',
    tag: "users",
    auth: true,
    body: auth.DeleteAccountBody,
    status: 200,
    response: sessions.SessionsEndedResponse,
    errors: passwordCheckedErrors,
  },
  me: {
    method: "get",
    path: "/me",
    summary: "The current user",
    tag: "users",
    auth: true,
    status: 200,
    response: auth.UserSchema,
    errors: authErrors,
  },
  updateMe: {
    method: "patch",
    path: "/me",
    summary: "Change my name (the rules of registration); rate-limited per address",
    tag: "users",
    auth: true,
    body: auth.UpdateMeBody,
    status: 200,
    response: auth.UserSchema,
    errors: [...authErrors, "session_revoked", "validation_failed", "invalid_json", "rate_limited"],
  },
  searchUsers: {
    method: "get",
    path: "/users",
    summary: "Find people by name (substring) or by whole email (exact); rate-limited per user",
    tag: "users",
    auth: true,
    query: auth.UserSearchQuery,
    status: 200,
    response: auth.UserSearchResponse,
    errors: [...authErrors, "validation_failed", "rate_limited"],
  },
  presence: {
    method: "get",
    path: "/users/{user_id}/presence",
    summary:
      "Whether a user is online on any node; when offline, `last_seen` (when their last device left: Redis, else PostgreSQL) for people who share a chat with them (null for anyone else)",
    tag: "users",
    auth: true,
    params: UserIdParams,
    status: 200,
    response: PresenceSchema,
    errors: [...authErrors, "validation_failed", "user_not_found", "unavailable"],
  },
  listChats: {
    method: "get",
    path: "/chats",
    summary:
      "My chats, most recent activity first, with last message and unread count; `has_more` when the byte budget cut the list (page on with `offset`)",
    tag: "chats",
    auth: true,
    query: chats.ListChatsQuery,
    status: 200,
    response: chats.ChatListResponse,
    errors: [...authErrors, "validation_failed"],
  },
  createChat: {
    method: "post",
    path: "/chats",
    summary: "Create a group or private chat (a private chat that exists for the pair is returned, 200)",
    tag: "chats",
    auth: true,
    body: chats.CreateChatBody,
    status: 201,
    alsoStatus: [200],
    response: chats.CreateChatResponse,
    errors: [...authErrors, "validation_failed", "invalid_json", "user_not_found", "conflict"],
  },
  getChat: {
    method: "get",
    path: "/chats/{chat_id}",
    summary: "One chat of mine",
    tag: "chats",
    auth: true,
    params: chats.ChatIdParams,
    status: 200,
    response: chats.ChatSummarySchema,
    errors: chatErrors,
  },
  listMembers: {
    method: "get",
    path: "/chats/{chat_id}/members",
    summary: "Members of a chat",
    tag: "chats",
    auth: true,
    params: chats.ChatIdParams,
    status: 200,
    response: chats.MembersResponse,
    errors: chatErrors,
  },
  addMember: {
    method: "post",
    path: "/chats/{chat_id}/members",
    summary: "Add a member (`?user_id=N` as the origin, or a JSON body); owner or admin only",
    tag: "chats",
    auth: true,
    params: chats.ChatIdParams,
    query: chats.AddMemberQuery,
    body: chats.AddMemberBody,
    status: 200,
    response: chats.AddMemberResponse,
    errors: [...chatErrors, "forbidden", "user_not_found", "conflict"],
  },
  removeMember: {
    method: "delete",
    path: "/chats/{chat_id}/members/{user_id}",
    summary: "Remove a member (owner or admin), or leave (yourself)",
    tag: "chats",
    auth: true,
    params: chats.ChatMemberParams,
    status: 200,
    response: chats.RemoveMemberResponse,
    errors: [...chatErrors, "forbidden", "user_not_found", "conflict"],
  },
  listMessages: {
    method: "get",
    path: "/chats/{chat_id}/messages",
    summary:
      "Messages by seq cursor: before_seq pages back (newest page first), after_seq catches up, around_seq opens a message in its context",
    tag: "messages",
    auth: true,
    params: chats.ChatIdParams,
    query: msgs.MessagesQuery,
    status: 200,
    response: msgs.MessagePage,
    errors: chatErrors,
  },
  sendMessage: {
    method: "post",
    path: "/chats/{chat_id}/messages",
    summary:
      "Send a message (text, files by attachment_ids, or both); a repeated client_id returns the first message (200, duplicate: true)",
    tag: "messages",
    auth: true,
    params: chats.ChatIdParams,
    body: msgs.SendMessageBody,
    status: 201,
    alsoStatus: [200],
    response: msgs.SendMessageResponse,
    errors: [
      ...chatErrors,
      "invalid_json",
      "attachment_unusable",
      "message_not_found",
      "conflict",
      "encrypted_chat",
      "payload_too_large",
      "rate_limited",
      "unavailable",
    ],
  },
  editMessage: {
    method: "patch",
    path: "/chats/{chat_id}/messages/{message_id}",
    summary: "Edit my own message",
    tag: "messages",
    auth: true,
    params: msgs.MessageParams,
    body: msgs.EditMessageBody,
    status: 200,
    response: msgs.MessageSchema,
    errors: [
      ...chatErrors,
      "invalid_json",
      "forbidden",
      "message_not_found",
      "conflict",
      "encrypted_chat",
      "rate_limited",
    ],
  },
  toggleReaction: {
    method: "post",
    path: "/chats/{chat_id}/messages/{message_id}/reactions",
    summary:
      "Toggle my reaction (one emoji) on a message: added if absent, taken back if present; every member's devices get `message:reactions`. Refused in encrypted chats (`encrypted_chat`: reactions are not available there yet) and on deleted messages; spends the send budget",
    tag: "messages",
    auth: true,
    params: msgs.MessageParams,
    body: reactions.ToggleReactionBody,
    status: 200,
    response: reactions.ToggleReactionResponse,
    errors: [
      ...chatErrors,
      "invalid_json",
      "message_not_found",
      "conflict",
      "encrypted_chat",
      "rate_limited",
    ],
  },
  deleteMessage: {
    method: "delete",
    path: "/chats/{chat_id}/messages/{message_id}",
    summary: "Delete my own message (its seq stays; text is emptied)",
    tag: "messages",
    auth: true,
    params: msgs.MessageParams,
    status: 200,
    response: msgs.MessageSchema,
    errors: [...chatErrors, "forbidden", "message_not_found", "rate_limited"],
  },
  searchMessages: {
    method: "get",
    path: "/search",
    summary:
      "Full-text search in the messages of my chats (all, or one with chat_id): Russian and English words, prefixes; best match first, with plain-text snippets and highlight ranges; paged with `before`. Encrypted chats are never searched on the server (searched on the device); deleted messages are never found; rate-limited per user",
    tag: "messages",
    auth: true,
    query: search.SearchQuery,
    status: 200,
    response: search.SearchResponse,
    errors: [...chatErrors, "encrypted_chat", "rate_limited"],
  },
  readChat: {
    method: "put",
    path: "/chats/{chat_id}/read",
    summary: "Move my read cursor to seq",
    tag: "messages",
    auth: true,
    params: chats.ChatIdParams,
    body: msgs.ReadChatBody,
    status: 200,
    response: msgs.ReadResponse,
    errors: [...chatErrors, "invalid_json"],
  },
  createUpload: {
    method: "post",
    path: "/attachments",
    summary:
      "Ask to upload a file (name, size, declared type): where to PUT its bytes, until when; too large or over quota is refused here",
    tag: "attachments",
    auth: true,
    body: files.CreateUploadBody,
    status: 201,
    response: files.CreateUploadResponse,
    errors: [
      ...authErrors,
      "validation_failed",
      "invalid_json",
      "file_too_large",
      "quota_exceeded",
      "rate_limited",
      "unavailable",
    ],
  },
  completeUpload: {
    method: "post",
    path: "/attachments/{attachment_id}/complete",
    summary:
      "Check what arrived (real size, type from the content; images: dimensions, metadata stripped, thumbnail): ready, or refused with the reason",
    tag: "attachments",
    auth: true,
    params: files.AttachmentIdParams,
    status: 200,
    response: files.AttachmentSchema,
    errors: [
      ...authErrors,
      "validation_failed",
      "not_found",
      "upload_incomplete",
      "attachment_rejected",
      "unavailable",
    ],
  },
  getAttachment: {
    method: "get",
    path: "/attachments/{attachment_id}",
    summary:
      "A 302 to a short-lived link to the file's bytes: for members of the chat it was sent to (and its uploader until then); 404 for anyone else",
    tag: "attachments",
    auth: true,
    params: files.AttachmentIdParams,
    status: 302,
    response: files.AttachmentLinkResponse,
    errors: [...authErrors, "validation_failed", "not_found", "unavailable"],
  },
  getAttachmentThumbnail: {
    method: "get",
    path: "/attachments/{attachment_id}/thumbnail",
    summary:
      "A 302 to a short-lived link to an image's thumbnail (WebP, at most 320 px); same access as the file",
    tag: "attachments",
    auth: true,
    params: files.AttachmentIdParams,
    status: 302,
    response: files.AttachmentLinkResponse,
    errors: [...authErrors, "validation_failed", "not_found", "unavailable"],
  },
  getAttachmentLink: {
    method: "get",
    path: "/attachments/{attachment_id}/link",
    summary:
      "The short-lived link as JSON (an <img> cannot send a bearer token: fetch this, then use the url); same access as the file",
    tag: "attachments",
    auth: true,
    params: files.AttachmentIdParams,
    query: files.AttachmentLinkQuery,
    status: 200,
    response: files.AttachmentLinkResponse,
    errors: [...authErrors, "validation_failed", "not_found", "unavailable"],
  },
  registerDevice: {
    method: "post",
    path: "/devices",
    summary:
      "Register a device of mine for encrypted chats: its MLS signature public key (its credential names my user id and the device id)",
    tag: "devices",
    auth: true,
    body: mls.RegisterDeviceBody,
    status: 201,
    response: mls.DeviceSchema,
    errors: [...authErrors, "validation_failed", "invalid_json", "conflict", "rate_limited"],
  },
  listDevices: {
    method: "get",
    path: "/devices",
    summary: "My devices (removed ones are not listed)",
    tag: "devices",
    auth: true,
    status: 200,
    response: mls.DeviceListResponse,
    errors: authErrors,
  },
  renameDevice: {
    method: "patch",
    path: "/devices/{device_id}",
    summary: "Rename a device of mine",
    tag: "devices",
    auth: true,
    params: mls.DeviceIdParams,
    body: mls.RenameDeviceBody,
    status: 200,
    response: mls.DeviceSchema,
    errors: [...authErrors, "validation_failed", "invalid_json", "not_found"],
  },
  removeDevice: {
    method: "delete",
    path: "/devices/{device_id}",
    summary:
      "Remove a device of mine: its KeyPackages go, its sockets drop, and the server proposes its removal from every encrypted chat",
    tag: "devices",
    auth: true,
    params: mls.DeviceIdParams,
    status: 200,
    response: mls.DeviceRemovedResponse,
    errors: [...authErrors, "validation_failed", "not_found"],
  },
  userDevices: {
    method: "get",
    path: "/users/{user_id}/devices",
    summary: "The devices of someone I share a chat with (or mine): for safety numbers and adding them",
    tag: "devices",
    auth: true,
    params: UserIdParams,
    status: 200,
    response: mls.DeviceListResponse,
    errors: [...authErrors, "validation_failed", "user_not_found"],
  },
  uploadKeyPackages: {
    method: "post",
    path: "/devices/{device_id}/key-packages",
    summary:
      "Upload one-time KeyPackages of a device of mine (checked: this device's credential and key, the cipher suite, the signature), and optionally its last-resort one",
    tag: "devices",
    auth: true,
    params: mls.DeviceIdParams,
    body: mls.UploadKeyPackagesBody,
    status: 200,
    response: mls.KeyPackageStockSchema,
    errors: [
      ...authErrors,
      "validation_failed",
      "invalid_json",
      "not_found",
      "mls_rejected",
      "conflict",
      "payload_too_large",
      "rate_limited",
    ],
  },
  keyPackageStock: {
    method: "get",
    path: "/devices/{device_id}/key-packages",
    summary: "How many one-time KeyPackages a device of mine has left",
    tag: "devices",
    auth: true,
    params: mls.DeviceIdParams,
    status: 200,
    response: mls.KeyPackageStockSchema,
    errors: [...authErrors, "validation_failed", "not_found"],
  },
  claimKeyPackages: {
    method: "post",
    path: "/key-packages/claim",
    summary:
      "Claim one KeyPackage per device (devices of people I share a chat with, or mine): each one-time KeyPackage is handed out once; the last-resort one when none is left",
    tag: "devices",
    auth: true,
    body: mls.ClaimKeyPackagesBody,
    status: 200,
    response: mls.ClaimKeyPackagesResponse,
    errors: [...authErrors, "validation_failed", "invalid_json", "forbidden", "rate_limited"],
  },
  externalSender: {
    method: "get",
    path: "/mls/external-sender",
    summary:
      "The server's MLS external sender: put it in each group's external_senders extension, so the server can propose removals",
    tag: "devices",
    auth: true,
    status: 200,
    response: mls.ExternalSenderResponse,
    errors: authErrors,
  },
  groupInfo: {
    method: "get",
    path: "/chats/{chat_id}/mls/group-info",
    summary: "The latest GroupInfo of an encrypted chat (a new device of a member joins by external commit)",
    tag: "devices",
    auth: true,
    params: chats.ChatIdParams,
    status: 200,
    response: mls.GroupInfoResponse,
    errors: [...chatErrors, "conflict"],
  },
  healthz: {
    method: "get",
    path: "/healthz",
    summary: "The process is alive",
    tag: "health",
    auth: false,
    status: 200,
    response: health.HealthResponse,
    errors: [],
  },
  vapidPublicKey: {
    method: "get",
    path: "/push/vapid-public-key",
    summary:
      "The server's VAPID public key, the `applicationServerKey` for `PushManager.subscribe` (503 when push is off)",
    tag: "push",
    auth: true,
    status: 200,
    response: push.VapidKeyResponse,
    errors: [...authErrors, "unavailable"],
  },
  subscribePush: {
    method: "post",
    path: "/push/subscriptions",
    summary:
      "Web Push subscription of this session's device (`PushSubscription.toJSON()`); it ends with the session. 200 when the endpoint was already kept",
    tag: "push",
    auth: true,
    body: push.PushSubscribeBody,
    status: 201,
    alsoStatus: [200],
    response: push.PushSubscriptionResponse,
    errors: [...authErrors, "validation_failed", "invalid_json", "unavailable", "rate_limited"],
  },
  unsubscribePush: {
    method: "delete",
    path: "/push/subscriptions",
    summary: "Drop a Web Push subscription of mine by its endpoint",
    tag: "push",
    auth: true,
    query: push.PushUnsubscribeQuery,
    status: 200,
    response: push.PushUnsubscribeResponse,
    errors: [...authErrors, "validation_failed"],
  },
  muteChat: {
    method: "put",
    path: "/chats/{chat_id}/mute",
    summary:
      'Mute a chat\'s pushes for me until a time, "forever", or unmute (null); @mentions of me still notify',
    tag: "push",
    auth: true,
    params: chats.ChatIdParams,
    body: push.MuteBody,
    status: 200,
    response: push.MuteResponse,
    errors: [...chatErrors, "invalid_json"],
  },
  readyz: {
    method: "get",
    path: "/readyz",
    summary: "503 when the database is unreachable; 200 with status `degraded` when only Redis is",
    tag: "health",
    auth: false,
    status: 200,
    response: health.ReadyResponse,
    errors: ["unavailable"],
  },
  adminCluster: {
    method: "get",
    path: "/admin/cluster",
    summary: "Live nodes (heartbeats in Redis), their socket counts, and Redis INFO essentials; admins only",
    tag: "admin",
    auth: true,
    status: 200,
    response: admin.ClusterResponse,
    errors: [...authErrors, "forbidden"],
  },
  adminOverview: {
    method: "get",
    path: "/admin/overview",
    summary:
      "The admin console's figures: every live node's load, traffic and latency, Redis and PostgreSQL health (each probe bounded by a timeout); admins only, rate-limited",
    tag: "admin",
    auth: true,
    status: 200,
    response: admin.OverviewResponse,
    errors: [...authErrors, "forbidden", "rate_limited"],
  },
} as const satisfies Record<string, RouteDef>;

export type RouteName = keyof typeof routes;
type R<N extends RouteName> = (typeof routes)[N];
type Field<N extends RouteName, K extends string> =
  R<N> extends Record<K, infer S extends z.ZodType> ? S : never;
/** What the client sends for route N (before parsing: path params and query are strings). */
export type RouteBody<N extends RouteName> = z.input<Field<N, "body">>;
export type RouteResponse<N extends RouteName> = z.output<Field<N, "response">>;
