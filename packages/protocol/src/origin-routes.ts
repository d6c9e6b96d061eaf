/**
 * The origin's surface (the FastAPI chat we replace) at the root: its paths, its request shapes,
 * its answers, its statuses. A table of its own, like routes.ts for /api/v1: the server validates
 * with these schemas, the OpenAPI document is generated from them (tag "origin"), and the origin
 * tests walk it. Unknown keys in bodies and queries are ignored, as pydantic/FastAPI does, so an
 * origin client's extra fields (e.g. `role` in the members query) never break it.
 */
import { z } from "zod";
import { idParam, isBlank, storable, MAX_PAGE } from "./schemas/common.ts";
import { RegisterBody, TokenBody, TokenResponse } from "./schemas/auth.ts";
import { ChatType } from "./schemas/chats.ts";
import type { Method } from "./routes.ts";

const OriginMessage = z.object({ message: z.string() }).meta({ id: "OriginMessage" });

/** The main API's fields and rules; unknown keys ignored rather than refused, as pydantic does. */
export const OriginRegisterBody = z.object(RegisterBody.shape).meta({ id: "OriginRegisterBody" });

export const OriginChatParams = z.object({ chat_id: idParam });
export const OriginMessageParams = z.object({ message_id: idParam });

export const OriginCreateChatBody = z
  .object({
    name: storable(z.string().trim().min(1).max(100)).refine((s) => !isBlank(s), "must not be blank"),
    chat_type: ChatType,
  })
  .meta({ id: "OriginCreateChatBody" });

export const OriginCreateChatResponse = z
  .object({ message: z.literal("Чат создан"), chat_id: z.number().int() })
  .meta({ id: "OriginCreateChatResponse" });

/** `role` is honoured (owner may add admins, as on /api/v1); other keys are ignored. */
export const OriginAddMemberQuery = z.object({
  user_id: idParam,
  role: z.enum(["admin", "member"]).optional(),
});

export const OriginMembersResponse = z
  .object({
    chat_id: z.number().int(),
    members: z.array(z.object({ id: z.number().int(), name: z.string() })),
  })
  .meta({ id: "OriginMembersResponse" });

const count = (max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, "must be a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().max(max, `must be at most ${max}`));

/** The origin fixed limit 10 and offset 0; both are accepted as query keys here. */
export const OriginHistoryQuery = z.object({
  limit: count(MAX_PAGE).pipe(z.number().min(1, "must be at least 1")).optional(),
  offset: count(999_999_999).optional(),
});

export const OriginHistoryItem = z
  .object({
    id: z.number().int(),
    chat_id: z.number().int(),
    sender_id: z.number().int(),
    text: z.string(),
    timestamp: z.string(),
    /** Read by every other member of the chat. */
    read: z.boolean(),
  })
  .meta({ id: "OriginHistoryItem" });

export const OriginHistoryResponse = z.array(OriginHistoryItem).meta({
  id: "OriginHistory",
  description: "Oldest first; the newest `limit` (10) messages after skipping `offset` newer ones",
});

/** FastAPI's error body: a string, or for a validation error the list of its issues. */
export const OriginError = z
  .object({
    detail: z.union([
      z.string(),
      z.array(
        z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() }),
      ),
    ]),
  })
  .meta({ id: "OriginError" });

export interface OriginRouteDef {
  method: Method;
  path: string;
  summary: string;
  auth: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  form?: boolean;
  response: z.ZodType;
  /** Error statuses this route can answer, each with a `{"detail"}` body. */
  errors: number[];
}

const authed = [401, 422, 429];

export const originRoutes = {
  register: {
    method: "post",
    path: "/register",
    summary: "Create an account (the origin's answer: 200 and its message; 400 for a taken email)",
    auth: false,
    body: OriginRegisterBody,
    response: OriginMessage,
    errors: [400, 413, 422, 429],
  },
  token: {
    method: "post",
    path: "/token",
    summary: "Log in (OAuth2 password form, or JSON); 400 for wrong email or password",
    auth: false,
    body: TokenBody,
    form: true,
    response: TokenResponse,
    errors: [400, 422, 429],
  },
  createChat: {
    method: "post",
    path: "/chats",
    summary: "Create a chat (200 `{message, chat_id}` as the origin)",
    auth: true,
    body: OriginCreateChatBody,
    response: OriginCreateChatResponse,
    errors: [...authed, 404, 409],
  },
  addMember: {
    method: "post",
    path: "/chats/{chat_id}/members",
    summary:
      "Add a member (`?user_id=N[&role=admin|member]`); owner or admin only; 200 also when already a member",
    auth: true,
    params: OriginChatParams,
    query: OriginAddMemberQuery,
    response: OriginMessage,
    errors: [...authed, 403, 404, 409],
  },
  listMembers: {
    method: "get",
    path: "/chats/{chat_id}/members",
    summary: "Members of a chat (members only)",
    auth: true,
    params: OriginChatParams,
    response: OriginMembersResponse,
    errors: [...authed, 403, 404],
  },
  history: {
    method: "get",
    path: "/history/{chat_id}",
    summary:
      "History of a chat, oldest first (members only); `X-Has-More` says whether older messages remain",
    auth: true,
    params: OriginChatParams,
    query: OriginHistoryQuery,
    response: OriginHistoryResponse,
    errors: [...authed, 403, 404],
  },
  readMessage: {
    method: "put",
    path: "/message/read/{message_id}",
    summary: "Mark read up to this message (members only); says when it became fully read, once",
    auth: true,
    params: OriginMessageParams,
    response: OriginMessage,
    errors: [...authed, 403, 404],
  },
} as const satisfies Record<string, OriginRouteDef>;

export type OriginRouteName = keyof typeof originRoutes;
export type OriginResponse<N extends OriginRouteName> = z.output<(typeof originRoutes)[N]["response"]>;

/** The origin's wording (README where README and code differ), used by server and tests alike. */
export const originText = {
  registered: "Пользователь успешно зарегистрирован!",
  emailTaken: "Email already registered",
  badCredentials: "Неправильная почта или пароль",
  chatCreated: "Чат создан",
  memberAdded: (userId: number, chatId: number) => `Пользователь ${userId} добавлен в чат ${chatId}`,
  alreadyMember: "⚠️ Пользователь уже в этом чате",
  marked: "Сообщение отмечено как прочитанное",
  fullyRead: (messageId: number) => `Сообщение ${messageId} полностью прочитано!`,
  alreadyRead: (messageId: number, userId: number) =>
    `Сообщение ${messageId} уже прочитано пользователем ${userId}`,
  notAuthenticated: "Not authenticated",
  badToken: "Could not validate credentials",
  notFound: "Not Found",
} as const;
