/**
 * The Socket.IO gateway on the node's HTTP server: token handshake, rooms, presence, session
 * expiry, and the event handlers. With Redis, rooms are shared by every node through the adapter.
 */
import type http from "node:http";
import { Server, type Socket } from "socket.io";
import type { RedisClient } from "../cluster/redis-client.ts";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { AppError, clientEvents, type ConnectErrorData } from "@chat/protocol";
import type { Logger } from "pino";
import type { DomainContext } from "../domain/context.ts";
import type { TokenService, VerifiedToken } from "../auth/tokens.ts";
import { findUser } from "../domain/users.ts";
import { chatIdsOf } from "../domain/chats.ts";
import type { Presence } from "../cluster/presence.ts";
import { presenceTracker } from "./presence-tracking.ts";
import { rememberLastSeen } from "../domain/last-seen.ts";
import {
  chatRoom,
  deviceRoom,
  sessionRoom,
  userRoom,
  type ChatServer,
  type SocketData,
} from "./socket-broadcast.ts";
import { mlsHandlers } from "./handlers/mls.ts";
import { liveDeviceOf } from "../domain/devices.ts";
import { messageHandlers } from "./handlers/messages.ts";
import { enforce } from "../cluster/rate-limit.ts";
import { clientIp } from "../security/client-ip.ts";
import { typingHandlers } from "./handlers/typing.ts";
import { viewingHandlers } from "./handlers/viewing.ts";
import { authRenewHandler } from "./handlers/auth-renew.ts";
import { deviceBindHandler } from "./handlers/device-bind.ts";
import { corkWebsocket } from "./cork-per-tick.ts";
import { hookLocalDelivery } from "./local-delivery.ts";
import type { MembershipView } from "./membership-view.ts";
import { SocketCap } from "./socket-cap.ts";
import type { HandshakeAdmission } from "./handshake-admission.ts";
import type { OriginSockets } from "./origin-ws/registry.ts";
import { isOwnOrigin } from "../security/site-origin.ts";

export const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface GatewayOptions {
  redis?: { pub: RedisClient; sub: RedisClient; sharded: boolean; prefix: string };
  corsOrigins: string[] | "same-origin";
  log: Logger;
  /** Chat deliveries are checked against it (local-delivery.ts). */
  view: MembershipView;
  /** How long a message may wait behind a seq gap before it is delivered anyway. */
  orderHoldMs: number;
  /** The origin's plain WebSockets of this node: chat and user broadcasts reach them too. */
  origin?: OriginSockets;
}

function refuse(code: ConnectErrorData["code"], message?: string, retryAfterMs?: number): Error {
  const err = new AppError(code, message);
  const data: ConnectErrorData = { code: err.code, message: err.message, retryable: err.retryable };
  if (retryAfterMs !== undefined) data.retry_after_ms = retryAfterMs;
  return Object.assign(new Error(err.message), { data });
}

/** The rate limiter's `details.retry_after` (seconds) in ms, for a refused handshake. */
function retryAfterMs(err: AppError): number | undefined {
  const s = (err.details as { retry_after?: unknown } | undefined)?.retry_after;
  return typeof s === "number" ? s * 1000 : undefined;
}

/** A handshake the admission control turned away: `unavailable` with its retry_after_ms. */
function refuseShed(err: unknown): Error {
  const after =
    err instanceof AppError ? (err.details as { retry_after_ms?: number } | undefined) : undefined;
  return refuse("unavailable", err instanceof AppError ? err.message : undefined, after?.retry_after_ms);
}

export function createGateway(httpServer: http.Server, opts: GatewayOptions): ChatServer {
  const io: ChatServer = new Server(httpServer, {
    maxHttpBufferSize: MAX_PAYLOAD_BYTES,
    perMessageDeflate: false,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    connectTimeout: 10_000,
    // Upgrades outside /socket.io/ are not engine.io's to destroy: origin-ws/server.ts answers
    // /ws/{user_id}/{chat_id} and refuses every other path itself.
    destroyUpgrade: false,
    cors:
      opts.corsOrigins === "same-origin"
        ? undefined
        : { origin: opts.corsOrigins, credentials: false, methods: ["GET", "POST"] },
    // Cross-site WebSocket hijacking: a browser's Origin must be ours (or allow-listed).
    // The node's own origin is always allowed (the web client it serves), plus CORS_ORIGINS.
    allowRequest: (req, cb) => {
      const origin = req.headers.origin;
      if (!origin) return cb(null, true); // not a browser (bots, tests, server-side clients)
      cb(null, isOwnOrigin(origin, req.headers, opts.corsOrigins));
    },
  });
  if (opts.redis) {
    const { pub, sub, sharded, prefix } = opts.redis;
    io.adapter(
      sharded
        ? createShardedAdapter(pub, sub, { channelPrefix: `${prefix}:sio` })
        : createAdapter(pub, sub, { key: `${prefix}:sio` }),
    );
    // An adapter error with no listener would crash the process.
    io.of("/").adapter.on("error", (err: unknown) => opts.log.warn({ err }, "socket.io adapter error"));
  }
  const stop = hookLocalDelivery(io.of("/").adapter, {
    view: opts.view,
    holdMs: opts.orderHoldMs,
    log: opts.log,
    origin: opts.origin,
  });
  opts.origin?.attach(io.of("/").adapter);
  io.engine.on("close", stop);
  return io;
}

export function attachHandlers(
  io: ChatServer,
  ctx: DomainContext,
  tokens: TokenService,
  presence: Presence,
  log: Logger,
  admission?: HandshakeAdmission,
): { sockets: SocketCap } {
  const tracker = presenceTracker(io, presence, log, (userId) => rememberLastSeen(ctx, userId));
  const sockets = new SocketCap(ctx.limits.socketsPerUser);
  type Middleware = Parameters<ChatServer["use"]>[0];
  const handshake: Middleware = (socket, next) => {
    const auth = socket.handshake.auth as
      { token?: unknown; batch?: unknown; device_id?: unknown } | undefined;
    const header = socket.handshake.headers.authorization;
    const token =
      typeof auth?.token === "string"
        ? auth.token
        : header?.startsWith("Bearer ")
          ? header.slice(7)
          : undefined;
    if (!token) return next(refuse("unauthorized", "A token is required (auth: {token})"));
    let claims: VerifiedToken;
    try {
      claims = tokens.verify(token);
    } catch (err) {
      return next(refuse(err instanceof AppError ? err.code : "unauthorized"));
    }
    // A slot of MAX_SOCKETS_PER_USER, given back if this handshake fails below.
    const release = sockets.take(claims.userId, socket);
    if (!release) {
      return next(
        refuse("too_many_connections", `At most ${ctx.limits.socketsPerUser} open connections per user`),
      );
    }
    const next_ = next;
    next = (err?: Error) => {
      if (err) release();
      next_(err);
    };
    // The chats are loaded here, before the connection completes, so the socket is in every
    // room before the client can send its first `sync`: no message falls between the two.
    const ip = clientIp(
      socket.handshake.address,
      socket.handshake.headers["x-forwarded-for"],
      ctx.trustProxyHops,
    );
    enforce(ctx.limiter, [
      [ctx.limits.connectionsPerIp, ip],
      [ctx.limits.connectionsPerUser, String(claims.userId)],
    ])
      .then(() =>
        Promise.all([
          findUser(ctx, claims.userId),
          chatIdsOf(ctx, claims.userId),
          auth?.device_id === undefined ? undefined : liveDeviceOf(ctx, claims.userId, auth.device_id),
        ]),
      )
      .then(
        ([user, chats, device]) => {
          if (!user) return next(refuse("unauthorized", "The user no longer exists"));
          if (device === null)
            return next(refuse("device_required", "auth.device_id is not a registered device of yours"));
          socket.data = {
            userId: user.id,
            name: user.name,
            chatIds: chats,
            batch: auth?.batch === true,
            ...(claims.sid ? { sid: claims.sid } : {}),
            ...(device ? { deviceId: device } : {}),
          } satisfies SocketData;
          scheduleExpiry(socket, claims.exp);
          void tracker.beforeConnect(socket, user.id).then(() => next());
        },
        (err) =>
          next(
            err instanceof AppError && err.code === "rate_limited"
              ? refuse("rate_limited", err.message, retryAfterMs(err))
              : refuse("unavailable"),
          ),
      );
  };
  // Admission first, before any work: a node flooded with handshakes (a dead node's devices
  // arriving at once) refuses the excess at once instead of queueing them all
  // (handshake-admission.ts). The slot is held until the handshake ends, either way, or until
  // the client goes away meanwhile.
  io.use((socket, next) => {
    if (!admission) return handshake(socket, next);
    admission.enter().then(
      (release) => {
        // A client that gave up while it waited (its connect timeout) costs nothing more.
        if (socket.conn.readyState !== "open") return release();
        socket.conn.once("close", release);
        handshake(socket, (err?: Error) => {
          release();
          next(err);
        });
      },
      (err) => next(refuseShed(err)),
    );
  });

  io.on("connection", (socket) => {
    const { userId, chatIds, sid, deviceId } = socket.data as SocketData;
    socket.join([
      userRoom(userId),
      ...chatIds.map(chatRoom),
      ...(sid ? [sessionRoom(sid)] : []),
      ...(deviceId ? [deviceRoom(deviceId)] : []),
    ]);
    corkWebsocket(socket.conn as unknown as Parameters<typeof corkWebsocket>[0]);
    // A member added or removed while this socket was in the handshake was announced to the user
    // room before the socket joined it: look once more now that it is in, and catch up.
    void reconcileRooms(ctx, socket, userId, chatIds).catch((err) =>
      log.warn({ err }, "could not re-check chat rooms after connect"),
    );
    // The rooms hold them now: a user in thousands of chats need not keep a second copy per socket.
    (socket.data as SocketData).chatIds = [];
    // Handlers first, so nothing sent right after connect is lost while rooms are being joined.
    messageHandlers(socket, ctx, log);
    mlsHandlers(socket, ctx, log);
    typingHandlers(socket, io, ctx, log);
    viewingHandlers(socket, ctx, log);
    authRenewHandler(socket, tokens, log, scheduleExpiry);
    deviceBindHandler(socket, ctx, log);
    socket.onAny((event: string, ...args: unknown[]) => {
      // Own keys only: "constructor" or "toString" are not events, and deserve an error ack too.
      if (Object.hasOwn(clientEvents, event)) return;
      const ack = args.at(-1);
      if (typeof ack === "function") {
        ack({ ok: false, error: new AppError("validation_failed", `Unknown event "${event}"`).toBody() });
      }
    });
    tracker.onConnection(socket, userId);
  });
  // MAX_SOCKETS_PER_USER counts the user's origin WebSockets too (origin-ws/server.ts).
  return { sockets };
}

/**
 * Drops this node's sockets of an ended session: each is told `session:expired` first, so the
 * client knows not to reconnect with the same token. Every node calls it for its own sockets
 * (io.local): each learns of the ending from PostgreSQL, so a Redis outage cannot keep one open.
 */
export function endSessionSockets(io: Server, sid: string): void {
  const room = io.local.in(sessionRoom(sid));
  room.emit("session:expired", { reason: "session ended" });
  room.disconnectSockets(true);
}

/** The same for every socket of a user whose account ended (of any session, or of none). */
export function endAccountSockets(io: Server, userId: number): void {
  const room = io.local.in(userRoom(userId));
  room.emit("session:expired", { reason: "account deleted" });
  room.disconnectSockets(true);
}

/** Each socket's one expiry timer: `auth:renew` moves it to the new token's expiry. */
const expiryTimers = new WeakMap<Socket, NodeJS.Timeout>();

/** Tells the socket its session is over when the token expires, then disconnects it. */
function scheduleExpiry(socket: Socket, exp: number) {
  const ms = Math.min(exp * 1000 - Date.now(), 2_147_483_647);
  const previous = expiryTimers.get(socket);
  if (previous) clearTimeout(previous);
  else socket.once("disconnect", () => clearTimeout(expiryTimers.get(socket)));
  const timer = setTimeout(
    () => {
      socket.emit("session:expired", { reason: "token expired" });
      socket.disconnect(true);
    },
    Math.max(ms, 0),
  );
  timer.unref();
  expiryTimers.set(socket, timer);
}

async function reconcileRooms(ctx: DomainContext, socket: Socket, userId: number, joined: number[]) {
  const now = new Set(await chatIdsOf(ctx, userId));
  const had = new Set(joined);
  for (const id of now) if (!had.has(id)) socket.join(chatRoom(id));
  for (const id of had) if (!now.has(id)) socket.leave(chatRoom(id));
}
