/** The limits of this node, from config (each 0 disables it). */
import { envSpec, type Config } from "../config/env.ts";
import type { Limit } from "../cluster/rate-limit.ts";
import type { AttachmentRules } from "../domain/attachments.ts";

export interface Limits {
  authPerIp: Limit;
  /** Per (account, client address): the attacker's own budget against one account. */
  loginPerAccountAddress: Limit;
  /** Per account from all addresses: past `max`, logins are slowed, not refused (login-throttle.ts). */
  loginPerAccount: Limit;
  sendsPerUser: Limit;
  typingPerUser: Limit;
  connectionsPerUser: Limit;
  connectionsPerIp: Limit;
  syncsPerUser: Limit;
  /** `sync` requests one socket may have in flight; one more is answered rate_limited. */
  syncsInFlightPerSocket: number;
  /** Byte budget of one answer that returns messages (ANSWER_MAX_BYTES). */
  answerBytes: number;
  /** Open sockets per user (0: no cap). */
  socketsPerUser: number;
  userSearchesPerUser: Limit;
  /** Message searches (GET /search): their own bucket, the people searches' number. */
  messageSearchesPerUser: Limit;
}

export function limitsFrom(c: Config): Limits {
  const minute = 60_000;
  return {
    authPerIp: { name: "auth-ip", max: c.RATE_LIMIT_AUTH_PER_IP_PER_MINUTE, windowMs: minute },
    loginPerAccountAddress: {
      name: "login-account-ip",
      max: c.RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE,
      windowMs: minute,
    },
    loginPerAccount: {
      name: "login-account",
      max: c.RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE,
      windowMs: minute,
    },
    sendsPerUser: { name: "send-user", max: c.RATE_LIMIT_SENDS_PER_USER_PER_10S, windowMs: 10_000 },
    typingPerUser: { name: "typing-user", max: c.RATE_LIMIT_TYPING_PER_USER_PER_10S, windowMs: 10_000 },
    connectionsPerUser: {
      name: "conn-user",
      max: c.RATE_LIMIT_CONNECTIONS_PER_USER_PER_MINUTE,
      windowMs: minute,
    },
    connectionsPerIp: { name: "conn-ip", max: c.RATE_LIMIT_CONNECTIONS_PER_IP_PER_MINUTE, windowMs: minute },
    syncsPerUser: { name: "sync-user", max: c.RATE_LIMIT_SYNCS_PER_USER_PER_10S, windowMs: 10_000 },
    syncsInFlightPerSocket: 2,
    answerBytes: c.ANSWER_MAX_BYTES,
    socketsPerUser: c.MAX_SOCKETS_PER_USER,
    userSearchesPerUser: {
      name: "search-user",
      max: c.RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE,
      windowMs: minute,
    },
    messageSearchesPerUser: {
      name: "msg-search-user",
      max: c.RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE,
      windowMs: minute,
    },
  };
}

/** Sizes, quota, link lifetimes and the upload rate of attachments (issue 16). */
export function attachmentRulesFrom(c: Config): AttachmentRules {
  return {
    maxBytes: c.MAX_UPLOAD_BYTES,
    quotaBytes: c.UPLOAD_QUOTA_BYTES,
    uploadSeconds: c.UPLOAD_WINDOW_SECONDS,
    linkSeconds: c.ATTACHMENT_LINK_SECONDS,
    uploadsPerUser: { name: "upload-user", max: c.RATE_LIMIT_UPLOADS_PER_USER_PER_MINUTE, windowMs: 60_000 },
  };
}

/** Every RATE_LIMIT_* variable set to 0 (off): for tests and the bench, which register thousands of users from one address. */
export const RATE_LIMITS_OFF: Record<string, string> = Object.fromEntries(
  Object.keys(envSpec)
    .filter((k) => k.startsWith("RATE_LIMIT_"))
    .map((k) => [k, "0"]),
);
