/**
 * The calls issue 12 timed while a dependency stalled (item 3): a send on an open socket, a REST
 * send, POST /token, a new socket handshake, GET /readyz and GET /me. Each is timed and capped, so
 * the same probes measure the old behaviour (they hang) and assert the new bounds.
 */
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import { io, type Socket } from "socket.io-client";
import type { TestUser } from "../support/users.ts";

export interface Probe {
  ms: number;
  /** "ok", an error code from the catalogue, an HTTP status, or "timeout" (the cap was reached). */
  outcome: string;
  body?: unknown;
}

const timed = async (
  cap: number,
  run: (signal: AbortSignal) => Promise<Omit<Probe, "ms">>,
): Promise<Probe> => {
  const started = Date.now();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), cap);
  try {
    return { ...(await run(ac.signal)), ms: Date.now() - started };
  } catch {
    return { outcome: "timeout", ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
};

async function http(url: string, init: RequestInit, signal: AbortSignal): Promise<Omit<Probe, "ms">> {
  const res = await fetch(url, { ...init, signal });
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
  return { outcome: res.ok ? "ok" : `${res.status} ${body?.error?.code ?? ""}`.trim(), body };
}

export function connectSocket(url: string, token: string): Socket {
  return io(url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
}

/** Client ids of sends acked ok (they must all be in the database: no false ok). */
export const ackedOk: string[] = [];

export const probes = {
  socketSend: (s: Socket, chatId: number, cap: number) =>
    timed(cap, async () => {
      const clientId = crypto.randomUUID();
      const ack = (await s
        .timeout(cap)
        .emitWithAck("message:send", { chat_id: chatId, client_id: clientId, text: "probe" })) as {
        ok: boolean;
        error?: { code: string };
      };
      if (ack.ok) ackedOk.push(clientId);
      return { outcome: ack.ok ? "ok" : ack.error!.code, body: ack };
    }),
  restSend: (url: string, u: TestUser, chatId: number, cap: number) =>
    timed(cap, async (signal) => {
      const clientId = crypto.randomUUID();
      const r = await http(
        `${url}/api/v1/chats/${chatId}/messages`,
        {
          method: "POST",
          headers: { ...u.auth, "content-type": "application/json" },
          body: JSON.stringify({ text: "probe", client_id: clientId }),
        },
        signal,
      );
      if (r.outcome === "ok") ackedOk.push(clientId);
      return r;
    }),
  token: (url: string, u: TestUser, cap: number) =>
    timed(cap, (signal) =>
      http(
        `${url}/api/v1/token`,
        {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ username: u.email, password: u.password }).toString(),
        },
        signal,
      ),
    ),
  me: (url: string, u: TestUser, cap: number) =>
    timed(cap, (signal) => http(`${url}/api/v1/me`, { headers: u.auth }, signal)),
  readyz: (url: string, cap: number) => timed(cap, (signal) => http(`${url}/readyz`, {}, signal)),
  presence: (url: string, u: TestUser, userId: number, cap: number) =>
    timed(cap, (signal) => http(`${url}/api/v1/users/${userId}/presence`, { headers: u.auth }, signal)),
  handshake: (url: string, u: TestUser, cap: number) =>
    timed(cap, async (signal) => {
      const s = connectSocket(url, u.token);
      try {
        return await new Promise<Omit<Probe, "ms">>((resolve, reject) => {
          signal.addEventListener("abort", () => reject(new Error("timeout")));
          s.once("connect", () => resolve({ outcome: "ok" }));
          s.once("connect_error", (e: Error & { data?: { code?: string } }) =>
            resolve({ outcome: e.data?.code ?? e.message }),
          );
        });
      } finally {
        s.close();
      }
    }),
};

/** The pid of the private redis-server listening on `port` (it names itself after its address). */
export function redisPid(port: number): number {
  const out = execFileSync("pgrep", ["-f", `redis-server 127.0.0.1:${port}`])
    .toString()
    .trim();
  const pid = Number(out.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no redis-server on ${port}`);
  return pid;
}
