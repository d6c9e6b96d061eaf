/**
 * The origin's plain WebSocket, `GET /ws/{user_id}/{chat_id}` (not Socket.IO), on the node's HTTP
 * server beside engine.io. engine.io answers upgrades under /socket.io/ only; it is attached with
 * `destroyUpgrade: false` (gateway.ts), so every other upgrade is ours to answer — /ws/… here,
 * anything else refused at once, as engine.io would have.
 *
 * Access is checked as the origin's clients expect it, and more strictly than the origin did: the
 * token (`Authorization: Bearer …`, or `?token=` for browsers, which cannot set headers) must be the
 * path's user's, and that user a member of the chat, else the socket is closed with 1008. A text
 * frame is a message to that chat, stored through the same domain call as a Socket.IO send.
 */
import crypto from "node:crypto";
import type http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import type { Logger } from "pino";
import { AppError, MAX_ID, messageText } from "@chat/protocol";
import type { DomainContext } from "../../domain/context.ts";
import type { TokenService, VerifiedToken } from "../../auth/tokens.ts";
import { requireMember } from "../../domain/access.ts";
import { sendMessage } from "../../domain/messages.ts";
import { enforce } from "../../cluster/rate-limit.ts";
import { clientIp } from "../../security/client-ip.ts";
import { toAppError } from "../../edge/errors.ts";
import type { HandshakeAdmission, Release } from "../handshake-admission.ts";
import { MAX_PAYLOAD_BYTES } from "../gateway.ts";
import { errorFrame, frameText, sentFrame } from "./frames.ts";
import type { OriginSocket, OriginSockets } from "./registry.ts";
import type { SocketCap } from "../socket-cap.ts";

const PATH = /^\/ws\/([^/?]+)\/([^/?]+)\/?$/;
const ENGINE_PATH = "/socket.io/";
const ID = /^[1-9][0-9]{0,9}$/;
/** Frames of one socket waiting for their ack; one more closes the socket (a flood costs little). */
const MAX_PENDING_FRAMES = 32;
/**
 * A ping every interval, as Socket.IO's pingInterval; a socket that has not answered the previous
 * one is cut. Keeps idle sockets alive through proxies (nginx.conf's 75 s read timeout) and frees
 * the slot of a client that vanished without a close.
 */
const HEARTBEAT_MS = 25_000;
/** client_ids of this socket's recent sends, to know its own messages when they come back. */
const REMEMBERED_SENDS = 256;

export interface OriginWsOptions {
  ctx: DomainContext;
  tokens: TokenService;
  sockets: OriginSockets;
  /** MAX_SOCKETS_PER_USER, shared with the Socket.IO handshake. */
  socketCap: SocketCap;
  log: Logger;
  /** SOCKET_MAX_BUFFERED_BYTES: a socket whose unsent backlog passes it is dropped. */
  maxBufferedBytes: number;
  /** The node's handshake admission, shared with Socket.IO's (handshake-admission.ts). */
  admission?: HandshakeAdmission;
}

export interface OriginWs {
  /** Stop taking frames and connections (frames get `❌ unavailable`); wait for the acks in flight. */
  settled(timeoutMs: number): Promise<void>;
  /** Close every origin socket with 1001 (going away), within `timeoutMs`. */
  closeAll(timeoutMs: number): Promise<void>;
}

export function attachOriginWs(server: http.Server, o: OriginWsOptions): OriginWs {
  // maxPayload: a larger frame closes that socket with 1009; invalid UTF-8 closes it with 1007.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const open = new Set<WebSocket>();
  let closing = false;
  let inFlight = 0;
  const alive = new WeakSet<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const ws of open) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? "/";
    if (url.slice(0, ENGINE_PATH.length) === ENGINE_PATH) return; // engine.io's
    socket.on("error", () => undefined);
    const path = url.split("?")[0];
    if (!PATH.test(path)) return void socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    if (closing) return void socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
    // Checked before the upgrade completes, so an open socket is already in its rooms; a refusal
    // still completes the upgrade and then closes, as the origin's clients expect (code 1008).
    const [, rawUser, rawChat] = PATH.exec(path)!;
    // admit() answers every failure itself; a bug there must still not leave the socket hanging.
    const outcome = admitWithSlot(req, rawUser, rawChat).catch((err: unknown): Admitted => {
      o.log.error({ err }, "origin websocket handshake failed");
      return { refused: 1011, reason: "internal error" };
    });
    void outcome.then((admitted) => {
      // The slot goes back however the connection ends, upgraded or not (release is idempotent).
      if (!("refused" in admitted)) socket.once("close", admitted.release);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if ("refused" in admitted) return ws.close(admitted.refused, admitted.reason);
        if (closing) {
          admitted.release();
          return ws.close(1001, "server shutting down");
        }
        accept(ws, admitted);
      });
    });
  });

  type Admitted =
    | { userId: number; chatId: number; sid?: string; expiresAt: number; release: () => void }
    | { refused: number; reason: string };

  /**
   * A slot of the node's handshake admission first, as Socket.IO handshakes take one (a dead node's
   * origin clients arriving at once are shed, not queued): refused with 1013 "try again later",
   * the wait in the reason. The slot goes back once the checks are done.
   */
  async function admitWithSlot(
    req: http.IncomingMessage,
    rawUser: string,
    rawChat: string,
  ): Promise<Admitted> {
    let release: Release = () => undefined;
    if (o.admission) {
      try {
        release = await o.admission.enter();
      } catch (err) {
        const ms =
          (toAppError(err)?.details as { retry_after_ms?: number } | undefined)?.retry_after_ms ?? 1000;
        return { refused: 1013, reason: `this node is busy: retry in ${ms} ms` };
      }
    }
    try {
      return await admit(req, rawUser, rawChat);
    } finally {
      release();
    }
  }

  /** The checks of the handshake: the token's user is the path's, and a member of the chat. */
  async function admit(req: http.IncomingMessage, rawUser: string, rawChat: string): Promise<Admitted> {
    const refuse = (code: number, reason: string) => ({ refused: code, reason });
    // The ids come from the raw path (as matched above), never from a normalised URL ("/ws/1/..").
    const url = new URL(`http://x${(req.url ?? "/").replace(/^[^?]*/, "/")}`);
    const header = req.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7) : url.searchParams.get("token");
    if (!token) return refuse(1008, "a token is required (Authorization: Bearer … or ?token=)");
    let claims: VerifiedToken;
    try {
      claims = o.tokens.verify(token);
    } catch (err) {
      return refuse(1008, err instanceof AppError ? err.message : "the token is not valid");
    }
    const userId = Number(rawUser);
    const chatId = Number(rawChat);
    if (!ID.test(rawUser) || userId !== claims.userId) return refuse(1008, "user_id is not the token's user");
    if (!ID.test(rawChat) || chatId > MAX_ID) return refuse(1008, "not a member of this chat");
    // A slot of MAX_SOCKETS_PER_USER, given back if a check below fails or when the socket closes.
    const release = o.socketCap.reserve(userId);
    if (!release) return refuse(1008, "too many open connections for this user; close one first");
    try {
      const ip = clientIp(
        req.socket.remoteAddress ?? "",
        req.headers["x-forwarded-for"],
        o.ctx.trustProxyHops,
      );
      await enforce(o.ctx.limiter, [
        [o.ctx.limits.connectionsPerIp, ip],
        [o.ctx.limits.connectionsPerUser, String(userId)],
      ]);
      const membership = await requireMember(o.ctx, chatId, userId);
      // The origin's frames carry plaintext: an encrypted chat (issue 17) is not for this surface.
      if (membership.encrypted) {
        release();
        return refuse(1008, "this chat is end-to-end encrypted: use an MLS client");
      }
    } catch (err) {
      release();
      const known = toAppError(err);
      if (known?.code === "rate_limited") return refuse(1013, "too many connections; retry later");
      if (known?.code === "not_a_member" || known?.code === "chat_not_found")
        return refuse(1008, "not a member of this chat");
      o.log.warn({ err }, "origin websocket handshake failed");
      return refuse(1011, "the service is temporarily unavailable");
    }
    return { userId, chatId, sid: claims.sid, expiresAt: claims.exp * 1000, release };
  }

  function accept(
    ws: WebSocket,
    a: { userId: number; chatId: number; sid?: string; expiresAt: number; release: () => void },
  ) {
    open.add(ws);
    alive.add(ws);
    ws.on("pong", () => alive.add(ws));
    // Without a listener, an 'error' (oversize or malformed frame) would crash the process.
    ws.on("error", (err) => o.log.debug({ err: err.message }, "origin websocket error"));
    const me = originSocket(ws, a.userId, a.chatId, a.sid);
    o.sockets.add(me);
    // The socket lives as long as its token, as a Socket.IO session does.
    const expiry = setTimeout(
      () => ws.close(1008, "token expired"),
      Math.max(0, Math.min(a.expiresAt - Date.now(), 2_147_483_647)),
    );
    expiry.unref();
    ws.on("close", () => {
      a.release();
      open.delete(ws);
      o.sockets.remove(me);
      clearTimeout(expiry);
    });
    // Frames are handled one after another, each acked before the next is stored (origin order).
    let chain: Promise<unknown> = Promise.resolve();
    let pending = 0;
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) return void ws.close(1003, "binary frames are not supported; send text");
      if (++pending > MAX_PENDING_FRAMES) return void ws.close(1008, "too many frames waiting for their ack");
      const frame = rawText(data);
      chain = chain.then(async () => {
        try {
          if (ws.readyState === WebSocket.OPEN) await handle(me, frame);
        } finally {
          pending--;
        }
      });
    });
  }

  function originSocket(ws: WebSocket, userId: number, chatId: number, sid: string | undefined) {
    const recent = new Set<string>();
    const s: OriginSocket & { recent: Set<string> } = {
      id: `origin-ws:${crypto.randomUUID()}`,
      userId,
      chatId,
      sid,
      recent,
      send(frame: string) {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(frame);
        // A client that stopped reading: its backlog is bounded as for Socket.IO (slow-consumer.ts).
        if (ws.bufferedAmount > o.maxBufferedBytes) {
          o.log.warn({ userId, bytes: ws.bufferedAmount }, "dropping an origin socket that stopped reading");
          ws.terminate();
        }
      },
      sent: (clientId: string | null | undefined) => clientId != null && recent.has(clientId),
      close: (code: number, reason: string) => ws.close(code, reason),
    };
    return s;
  }

  async function handle(s: ReturnType<typeof originSocket>, frame: string) {
    if (closing) return s.send(errorFrame("unavailable", "the server is shutting down; reconnect"));
    const text = frameText(frame);
    const parsed = messageText.safeParse(text);
    if (!parsed.success)
      return s.send(
        errorFrame("validation_failed", `text ${parsed.error.issues[0]?.message ?? "is not valid"}`),
      );
    // A fresh client_id per frame: the origin's "the same text twice" is two messages.
    const clientId = crypto.randomUUID();
    s.recent.add(clientId);
    if (s.recent.size > REMEMBERED_SENDS) s.recent.delete(s.recent.values().next().value!);
    inFlight++;
    try {
      await sendMessage(o.ctx, s.userId, { chat_id: s.chatId, client_id: clientId, text: parsed.data });
      s.send(sentFrame(parsed.data));
    } catch (err) {
      const known = toAppError(err);
      if (!known) o.log.error({ err }, "origin websocket send failed");
      const e = known ?? new AppError("internal");
      s.send(errorFrame(e.code, e.message));
      if (e.code === "not_a_member" || e.code === "chat_not_found")
        s.close(1008, "not a member of this chat");
    } finally {
      inFlight--;
    }
  }

  return {
    async settled(timeoutMs) {
      closing = true;
      const deadline = Date.now() + timeoutMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
    async closeAll(timeoutMs) {
      closing = true;
      clearInterval(heartbeat);
      for (const ws of open) ws.close(1001, "server shutting down");
      const deadline = Date.now() + timeoutMs;
      while (open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const ws of open) ws.terminate();
    },
  };
}

/** A text frame as a string (ws has already closed a socket whose text frame is not UTF-8, with 1007). */
function rawText(data: RawData): string {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  return buf.toString("utf8");
}
