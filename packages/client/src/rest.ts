/**
 * A typed REST client over packages/protocol's route table: `api.call("sendMessage", {params, body})`.
 * Errors come back as ApiError with the catalogue code. Works in Node (fetch) and the browser.
 */
import {
  routes,
  servedPath,
  type ErrorBody,
  type RouteBody,
  type RouteName,
  type RouteResponse,
} from "@chat/protocol";
import { uuid } from "./uuid.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${status} ${body.code}: ${body.message}`);
    this.name = "ApiError";
  }
  get code() {
    return this.body.code;
  }
}

export interface CallArgs<N extends RouteName> {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  body?: RouteBody<N>;
  /** Send the body as an HTML form (the OAuth2 password form of /token). */
  form?: boolean;
  /** Extra request headers (e.g. `X-Refresh-Cookie: 1` of the web app's cookie refresh). */
  headers?: Record<string, string>;
}

export class ApiClient {
  token: string | undefined;
  constructor(
    readonly baseUrl: string,
    opts: { token?: string } = {},
  ) {
    this.token = opts.token;
  }

  async call<N extends RouteName>(name: N, args: CallArgs<N> = {}): Promise<RouteResponse<N>> {
    const def = routes[name];
    const path = servedPath(def).replace(/\{(\w+)\}/g, (_, k: string) => {
      const v = args.params?.[k];
      if (v === undefined) throw new Error(`missing path parameter ${k}`);
      return encodeURIComponent(String(v));
    });
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(args.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: "application/json", ...args.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (args.body !== undefined) {
      if (args.form) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams(args.body as Record<string, string>).toString();
      } else {
        headers["content-type"] = "application/json";
        body = JSON.stringify(args.body);
      }
    }
    const res = await fetch(url, { method: def.method.toUpperCase(), headers, body });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, json?.error ?? { code: "internal", message: text });
    return json as RouteResponse<N>;
  }

  /** Registers (if `name` is given) and logs in; keeps the token for later calls. */
  async login(email: string, password: string): Promise<string> {
    const t = await this.call("token", { body: { username: email, password } });
    this.token = t.access_token;
    return t.access_token;
  }

  register(name: string, email: string, password: string) {
    return this.call("register", { body: { name, email, password } });
  }

  /**
   * Sends a message over REST; `attachmentIds` (my own ready uploads) go with it, and `text` may
   * then be "". `replyTo` quotes a message of the same chat. Repeating a `clientId` answers the
   * first message (`duplicate: true`).
   */
  sendMessage(
    chatId: number,
    text: string,
    opts: { clientId?: string; attachmentIds?: string[]; replyTo?: number } = {},
  ): Promise<RouteResponse<"sendMessage">> {
    const body: RouteBody<"sendMessage"> = { client_id: opts.clientId ?? uuid(), text };
    if (opts.attachmentIds?.length) body.attachment_ids = opts.attachmentIds;
    if (opts.replyTo !== undefined) body.reply_to = opts.replyTo;
    return this.call("sendMessage", { params: { chat_id: chatId }, body });
  }

  /**
   * Full-text search in my chats (or one, `chatId`): best match first. Give `before` the previous
   * answer's `next_before` for the next page. Each hit's `snippet` is plain text (render it as
   * text) with `highlights` as [start, end) ranges; open the message with its `seq`.
   */
  searchMessages(
    q: string,
    opts: { chatId?: number; before?: string; limit?: number } = {},
  ): Promise<RouteResponse<"searchMessages">> {
    return this.call("searchMessages", {
      query: { q, chat_id: opts.chatId, before: opts.before, limit: opts.limit },
    });
  }

  /** Toggles my reaction (one emoji) on a message: `reacted` says whether it is now on. */
  toggleReaction(chatId: number, messageId: number, emoji: string): Promise<RouteResponse<"toggleReaction">> {
    return this.call("toggleReaction", {
      params: { chat_id: chatId, message_id: messageId },
      body: { emoji },
    });
  }
}
