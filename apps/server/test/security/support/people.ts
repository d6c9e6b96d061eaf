/**
 * Users and sockets for the security suites. Every call can claim a client address through
 * X-Forwarded-For (believed by nodes started with TRUST_PROXY_HOPS=1, the test playing their
 * proxy), so tests of per-IP limits keep apart from each other and from the setup traffic.
 */
import crypto from "node:crypto";
import request from "supertest";
import { ChatSocket, type AckError } from "@chat/client";
import type { ConnectErrorData } from "@chat/protocol";

export const PASSWORD = "correct horse battery";

export interface Person {
  id: number;
  name: string;
  email: string;
  password: string;
  token: string;
  auth: { Authorization: string };
}

export const uniqueEmail = (name: string) =>
  `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.test`;

/** Registers and logs in; `ip` is sent as X-Forwarded-For. */
export async function register(
  baseUrl: string,
  name: string,
  opts: { ip?: string; email?: string } = {},
): Promise<Person> {
  const email = opts.email ?? uniqueEmail(name);
  const xff = opts.ip ? { "X-Forwarded-For": opts.ip } : {};
  const reg = await request(baseUrl).post("/register").set(xff).send({ name, email, password: PASSWORD });
  if (reg.status !== 201) throw new Error(`register ${email}: ${reg.status} ${reg.text}`);
  const tok = await request(baseUrl)
    .post("/token")
    .set(xff)
    .type("form")
    .send({ username: email, password: PASSWORD });
  if (tok.status !== 200) throw new Error(`token ${email}: ${tok.status} ${tok.text}`);
  const token = tok.body.access_token as string;
  return {
    id: reg.body.id,
    name,
    email,
    password: PASSWORD,
    token,
    auth: { Authorization: `Bearer ${token}` },
  };
}

export interface SocketOptions {
  /** Sent as X-Forwarded-For on the handshake. */
  ip?: string;
  headers?: Record<string, string>;
  transports?: ("polling" | "websocket")[];
}

/** A ChatSocket of its own (never multiplexed), no automatic reconnection unless asked. */
export function openSocket(url: string, token: string, opts: SocketOptions & { reconnect?: boolean } = {}) {
  const extraHeaders = { ...opts.headers, ...(opts.ip ? { "X-Forwarded-For": opts.ip } : {}) };
  return new ChatSocket(url, {
    token,
    transports: opts.transports ?? ["websocket"],
    ioOptions: { forceNew: true, reconnection: opts.reconnect ?? false, extraHeaders },
  });
}

/** Opens a socket and waits for it to connect. */
export async function connect(url: string, token: string, opts: SocketOptions = {}): Promise<ChatSocket> {
  const s = openSocket(url, token, opts);
  try {
    await s.ready();
  } catch (err) {
    s.close();
    throw err;
  }
  return s;
}

/**
 * Tries to connect and answers how the handshake ended: `connected`, the catalogue code of a
 * refusal by the server's middleware (connect_error data), or `refused` when the HTTP upgrade
 * itself was turned away (e.g. a foreign Origin).
 */
export async function handshake(
  url: string,
  token: string | undefined,
  opts: SocketOptions = {},
): Promise<"connected" | "refused" | ConnectErrorData["code"]> {
  const s = openSocket(url, token as string, opts);
  try {
    return await new Promise((resolve) => {
      s.socket.once("connect", () => resolve("connected"));
      s.socket.once("connect_error", (err: Error & { data?: ConnectErrorData }) =>
        resolve(err.data?.code ?? "refused"),
      );
    });
  } finally {
    s.close();
  }
}

/** The error code of a refused socket request (AckError), or "ok". */
export async function ackCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return (err as AckError).code ?? String(err);
  }
}
