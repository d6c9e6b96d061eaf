/**
 * Sockets for the security suites (users come from test/support/users.ts). A socket can claim a
 * client address through X-Forwarded-For, as users can, for the per-IP limits.
 */
import { ChatSocket, type AckError } from "@chat/client";
import type { ConnectErrorData } from "@chat/protocol";

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
