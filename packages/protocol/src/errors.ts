/**
 * The one catalogue of error codes, shared by REST answers, socket acks and connect errors.
 * Each code has its HTTP status and whether the same request may succeed if retried later.
 */
export const errorCatalogue = {
  validation_failed: { status: 400, retryable: false, message: "The request is not valid" },
  invalid_json: { status: 400, retryable: false, message: "The body is not valid JSON" },
  unauthorized: { status: 401, retryable: false, message: "A valid bearer token is required" },
  token_expired: { status: 401, retryable: false, message: "The token has expired" },
  session_revoked: {
    status: 401,
    retryable: false,
    message: "The session has ended (signed out, or its refresh token was reused); log in again",
  },
  invalid_credentials: { status: 401, retryable: false, message: "Wrong email or password" },
  wrong_password: { status: 403, retryable: false, message: "The current password is wrong" },
  forbidden: { status: 403, retryable: false, message: "You may not do this" },
  cross_site_refused: {
    status: 403,
    retryable: false,
    message:
      "The refresh cookie is used only by this site's own pages: send X-Refresh-Cookie: 1 from this site's Origin",
  },
  not_a_member: { status: 403, retryable: false, message: "You are not a member of this chat" },
  not_found: { status: 404, retryable: false, message: "Not found" },
  chat_not_found: { status: 404, retryable: false, message: "Chat not found" },
  user_not_found: { status: 404, retryable: false, message: "User not found" },
  message_not_found: { status: 404, retryable: false, message: "Message not found" },
  email_taken: { status: 409, retryable: false, message: "This email is already registered" },
  attachment_unusable: {
    status: 409,
    retryable: false,
    message:
      "An attachment cannot be sent: not an upload of yours, not ready, already sent with a message, or unknown",
  },
  epoch_conflict: {
    status: 409,
    retryable: true,
    message:
      "The MLS epoch moved on (another commit was accepted first, or proposals are pending): process the chat's new messages, then commit or encrypt again",
  },
  encrypted_chat: {
    status: 409,
    retryable: false,
    message: "This chat is end-to-end encrypted: only MLS messages (mls:send) can be sent to it",
  },
  mls_rejected: {
    status: 422,
    retryable: false,
    message: "The MLS message cannot be accepted for this chat",
  },
  device_required: {
    status: 403,
    retryable: false,
    message: "This needs a registered device of yours (the socket's auth.device_id)",
  },
  conflict: { status: 409, retryable: false, message: "The request conflicts with the current state" },
  payload_too_large: { status: 413, retryable: false, message: "The payload is too large" },
  file_too_large: { status: 413, retryable: false, message: "The file is larger than this server accepts" },
  quota_exceeded: {
    status: 413,
    retryable: false,
    message: "Your files would exceed your storage quota; delete some first",
  },
  upload_incomplete: {
    status: 409,
    retryable: false,
    message: "The upload's bytes have not all arrived; send them, then complete again",
  },
  attachment_rejected: { status: 422, retryable: false, message: "The file was refused" },
  rate_limited: { status: 429, retryable: true, message: "Too many requests" },
  too_many_connections: {
    status: 429,
    retryable: false,
    message: "Too many open connections for this user; close one first",
  },
  internal: { status: 500, retryable: true, message: "Internal server error" },
  unavailable: { status: 503, retryable: true, message: "The service is temporarily unavailable" },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
export const errorCodes = Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]];

/** The body of every error: `{error: {code, message, details?}}` over REST, `error` in a socket ack. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** An error that knows its catalogue code; thrown by the domain, mapped once at each edge. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? errorCatalogue[code].message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return errorCatalogue[this.code].status;
  }
  get retryable(): boolean {
    return errorCatalogue[this.code].retryable;
  }
  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** zod issues flattened to `{path, message}` pairs: the `details` of a validation_failed error. */
export function issuesToDetails(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
