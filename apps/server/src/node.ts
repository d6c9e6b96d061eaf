/**
 * One chat node: database (given or embedded), migrations, Express, Socket.IO, optional Redis.
 * main.ts runs it from the environment; tests start it in-process or as child processes.
 */
import crypto from "node:crypto";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { accessTokenSeconds, type Config } from "./config/env.ts";
import { checkMetricsToken, resolveJwtSecret } from "./auth/secret.ts";
import { TokenService } from "./auth/tokens.ts";
import { RevocationView, type Revoked } from "./auth/revocations.ts";
import { pushRevocations, type RevocationPush } from "./auth/revocation-push.ts";
import { handOverGroups } from "./domain/ownership.ts";
import { SessionStore } from "./auth/sessions.ts";
import { openDatabase, type Database } from "./store/database.ts";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedServer } from "./store/embedded-postgres.ts";
import { migrate } from "./store/migrate.ts";
import { explainDatabaseTlsError } from "./store/tls-errors.ts";
import { chatCommits } from "./store/group-commit.ts";
import type { DomainContext } from "./domain/context.ts";
import { createApp } from "./http/app.ts";
import { createPassport, requireJwt } from "./http/passport.ts";
import { buildOpenApi } from "./http/openapi.ts";
import { buildAsyncApi } from "./realtime/asyncapi.ts";
import { attachHandlers, createGateway, endAccountSockets, endSessionSockets } from "./realtime/gateway.ts";
import { HandshakeAdmission } from "./realtime/handshake-admission.ts";
import { socketBroadcast, type ChatServer } from "./realtime/socket-broadcast.ts";
import { MembershipView } from "./realtime/membership-view.ts";
import { syncMembership } from "./realtime/membership-sync.ts";
import { guardSlowConsumers } from "./realtime/slow-consumer.ts";
import { attachmentRulesFrom, limitsFrom } from "./security/limits.ts";
import { instrumentNode } from "./ops/instrument.ts";
import { closeConnections } from "./ops/engine-drain.ts";
import { webRoutes } from "./http/routes/web-routes.ts";
import { startMetricsServer } from "./ops/metrics-routes.ts";
import { readinessProbe } from "./ops/readiness.ts";
import { nodeAddress, processSnapshot } from "./ops/node-snapshot.ts";
import { sharedStateFrom } from "./cluster/shared-state.ts";
import { redisTlsOptions } from "./cluster/redis-tls.ts";
import { adapterKind, createRedisClient, redisEndpoint } from "./cluster/redis-client.ts";
import { OriginSockets } from "./realtime/origin-ws/registry.ts";
import { attachOriginWs } from "./realtime/origin-ws/server.ts";
import { storageFrom } from "./storage/storage-from-config.ts";
import { blobRoutes } from "./storage/blob-routes.ts";
import { ImageWorkshop } from "./storage/file-checks.ts";
import { startAttachmentSweeper } from "./domain/attachment-sweeper.ts";
import { resolveVapidKeys } from "./push/vapid.ts";
import { PushSender } from "./push/push-sender.ts";
import { messagePush } from "./push/message-push.ts";
import { removeSubscription } from "./push/subscriptions.ts";
import { viewingSessions } from "./realtime/handlers/viewing.ts";

const VERSION = "0.1.0";
/** The built browser client (apps/web), relative to the repository root. */
export const WEB_DIST = "apps/web/dist";
export const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../prisma/migrations",
);

export interface RunningNode {
  url: string;
  port: number;
  /** The METRICS_PORT server's port, when metrics have their own. */
  metricsPort?: number;
  nodeId: string;
  db: Database;
  io: ChatServer;
  /** Web Push, when on: `idle()` resolves once every push decided so far went out (tests). */
  push?: { idle(): Promise<void>; sender: PushSender };
  close(): Promise<void>;
}

export async function startNode(config: Config, log: Logger): Promise<RunningNode> {
  const started = Date.now();
  const dataDir = path.resolve(config.rootDir, config.DATA_DIR);
  // First: a refused secret stops the start before anything (database, sockets) needs closing.
  const secret = resolveJwtSecret(
    { secret: config.JWT_SECRET, production: config.NODE_ENV === "production", dataDir },
    (m) => log.warn(m),
  );
  checkMetricsToken(config.METRICS_TOKEN, config.NODE_ENV === "production");
  const vapid = resolveVapidKeys(
    {
      publicKey: config.VAPID_PUBLIC_KEY,
      privateKey: config.VAPID_PRIVATE_KEY,
      subject: config.VAPID_SUBJECT,
      production: config.NODE_ENV === "production",
      dataDir,
    },
    (m) => log.warn(m),
  );
  // Also before anything starts: a rediss:// setting that cannot apply, or an unreadable CA file.
  const redisTls = redisTlsOptions(config);
  // One Redis server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES), and its adapter.
  const endpoint = redisEndpoint(config);
  const adapter = endpoint && adapterKind(config, endpoint);
  // Attachment bytes: the filesystem under DATA_DIR, or S3 (a half-configured S3 stops the start here).
  const storage = storageFrom(config, dataDir, secret);
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(dataDir, "pg"), { onLog: (l) => log.debug({ pg: l }) });
    databaseUrl = await ensureDatabase(embedded.url, "chat");
  }
  // Migrations without query timeouts (they may wait for another node's lock, or run long); the
  // serving pool then gets the bounds that keep a stalled PostgreSQL from hanging requests.
  const migrationDb = openDatabase(databaseUrl, { max: 1 });
  const migrated = await migrate(migrationDb.pool, MIGRATIONS_DIR)
    .catch((err: unknown) => {
      throw explainDatabaseTlsError(err);
    })
    .finally(() => migrationDb.close());
  if (migrated.applied.length > 0) log.info({ applied: migrated.applied }, "migrations applied");
  const db = openDatabase(databaseUrl, {
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
  });

  // Ended sessions and accounts, kept true from PostgreSQL; every token check consults it
  // (auth/revocations.ts). It remembers ends as long as the longest-lived token of either surface.
  const tokenSeconds = accessTokenSeconds(config);
  const originTokenSeconds = config.ORIGIN_ACCESS_TOKEN_EXPIRE_MINUTES * 60;
  const revocations = new RevocationView(db.pool, Math.max(tokenSeconds, originTokenSeconds), log);
  await revocations.start(config.SESSION_REVOCATION_POLL_MS);
  const tokens = new TokenService(secret, tokenSeconds, revocations);
  // What this node ends: into its own view at once, and pushed to the other nodes (set below).
  let push: RevocationPush | undefined;
  const ended = (ends: Revoked) => {
    revocations.add(ends);
    push?.publish(ends);
  };
  const sessions = new SessionStore(db.pool, config.SESSION_IDLE_DAYS * 86_400, (sids) =>
    ended({ sids, users: [] }),
  );
  // Message inserts and receipt changes are group-committed; a job that breaks the engine's
  // convention (throws after writing) fails its batch and is reported here as the bug it is.
  const commits = chatCommits(db.pool, (err) => log.error({ err }, "group-commit job broke the convention"));

  // Express must be the server's request listener before Socket.IO attaches: engine.io then
  // takes over /socket.io/ and hands every other request on. A listener added after it would
  // also answer /socket.io/ (404), which breaks the long-polling transport.
  let app: http.RequestListener | undefined;
  const server = http.createServer((req, res) => {
    if (app) return app(req, res);
    res.writeHead(503).end(); // listening, but not wired yet
  });
  const corsOrigins = config.CORS_ORIGINS
    ? config.CORS_ORIGINS.split(",").map((s) => s.trim())
    : "same-origin";
  const bound = config.REDIS_COMMAND_TIMEOUT_MS;
  const redis = endpoint
    ? {
        pub: createRedisClient(endpoint, log, { role: "pub", tls: redisTls, commandTimeoutMs: bound }),
        sub: createRedisClient(endpoint, log, { role: "sub", tls: redisTls }),
        data: createRedisClient(endpoint, log, { role: "data", tls: redisTls, commandTimeoutMs: bound }),
      }
    : undefined;
  // Who is in which chat, as the database says: every chat delivery on this node is checked against it.
  const view = new MembershipView(db.pool);
  // The origin's plain WebSockets (/ws/{user_id}/{chat_id}) share the adapter's rooms and fan-out.
  const originSockets = new OriginSockets(log);
  const io = createGateway(server, {
    view,
    origin: originSockets,
    orderHoldMs: config.DELIVERY_ORDER_HOLD_MS,
    redis: redis && {
      pub: redis.pub,
      sub: redis.sub,
      sharded: adapter === "sharded",
      prefix: config.REDIS_KEY_PREFIX,
    },
    corsOrigins,
    log,
  });
  const ops = instrumentNode({ config, version: VERSION, io, commits, pool: db.pool, redis });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const nodeId = config.NODE_ID ?? `${os.hostname()}:${port}`;
  // NODE_ID is the readable name and repeats across restarts (host:port does by default); what
  // this process registers in Redis (devices, heartbeat) is keyed by this start's own instance id,
  // so a SIGKILLed predecessor's entries expire with its heartbeat instead of being renewed by us.
  const instanceId = `${nodeId}~${crypto.randomUUID().slice(0, 8)}`;
  const snapshot = processSnapshot({
    id: nodeId,
    instance: instanceId,
    address: nodeAddress(config.HOST, port),
    version: VERSION,
    startedAt: new Date(started),
    sockets: () => io.of("/").sockets.size,
    usersOnline: () => new Set([...io.of("/").sockets.values()].map((s) => s.data.userId)).size,
    load: ops.load,
    pool: db.pool,
  });
  const shared = sharedStateFrom(config, redis?.data, { instanceId, snapshot });
  const { presence, limiter } = shared;
  const ctx: DomainContext = {
    db,
    commits,
    bus: socketBroadcast(io, view, ops.onEmit, config.RECEIPT_BATCH_MS),
    log,
    bcryptCost: config.BCRYPT_COST,
    limiter: ops.metrics.countRefusals(limiter),
    limits: limitsFrom(config),
    trustProxyHops: config.TRUST_PROXY_HOPS,
  };
  // Web Push of new messages (push/message-push.ts), when VAPID keys are there.
  const pushSender =
    vapid &&
    new PushSender(
      vapid,
      { timeoutMs: config.PUSH_TIMEOUT_MS },
      (id) => removeSubscription(ctx, id),
      log,
      (outcome) => ops.metrics.push(outcome),
    );
  const webPush = pushSender && messagePush({ db, sender: pushSender, viewing: viewingSessions(io), log });
  ctx.push = webPush;
  const admission = new HandshakeAdmission({
    maxInFlight: config.HANDSHAKE_MAX_IN_FLIGHT,
    maxQueued: config.HANDSHAKE_MAX_QUEUED,
    onOutcome: (outcome) => ops.metrics.handshake(outcome),
  });
  const { sockets: socketCap } = attachHandlers(io, ctx, tokens, presence, log, admission);
  // An ended session's sockets go on every node: each node learns of it (at once when it ended
  // it or is told through Redis, else from its next re-read of PostgreSQL) and drops its own
  // sockets of that session. An ended account (deleted through the API or in SQL) drops every
  // socket of the user, and its groups get a new owner (one node does it, the others find it done).
  const handOver = (userId: number) =>
    void handOverGroups(ctx, userId).catch((err) => log.warn({ err, userId }, "handing over groups failed"));
  revocations.whenRevoked(({ sids, users }) => {
    // Accounts first: sessions ended with their account are told "account deleted".
    for (const userId of users) {
      endAccountSockets(io, userId);
      originSockets.closeUser(userId);
      handOver(userId);
    }
    for (const sid of sids) {
      endSessionSockets(io, sid);
      originSockets.closeSession(sid);
    }
  });
  push = redis ? pushRevocations(io, revocations, [redis.pub, redis.sub], log) : undefined;
  // Accounts that ended before this node listened (e.g. deleted in SQL while every node was down):
  // their groups get an owner now (a no-op where another node already did it).
  for (const userId of revocations.endedUsers()) handOver(userId);
  const originWs = attachOriginWs(server, {
    ctx,
    tokens,
    socketCap,
    sockets: originSockets,
    log,
    maxBufferedBytes: config.SOCKET_MAX_BUFFERED_BYTES,
    admission,
  });
  // With Redis, rooms can miss a socketsJoin/socketsLeave: reconcile them from the database.
  const stopMembershipSync = redis
    ? syncMembership(io, db.pool, view, {
        pollMs: config.MEMBERSHIP_POLL_MS,
        redis: [redis.pub, redis.sub],
        log,
      })
    : () => undefined;
  const stopGuard = guardSlowConsumers(io, log, {
    maxBufferedBytes: config.SOCKET_MAX_BUFFERED_BYTES,
    onDrop: ops.onSlowConsumer,
  });
  const passport = createPassport(ctx, tokens);
  const attachments = {
    ctx,
    blobs: storage.blobs,
    rules: attachmentRulesFrom(config),
    images: new ImageWorkshop(),
  };
  const stopSweeper = startAttachmentSweeper(
    db.pool,
    storage.blobs,
    { everyMs: config.ATTACHMENT_SWEEP_SECONDS * 1000, abandonedHours: config.ABANDONED_UPLOAD_HOURS },
    log,
  );
  app = createApp({
    ctx,
    tokens,
    sessions,
    dropUserSockets: (userId) => ended({ sids: [], users: [userId] }),
    originTokenSeconds,
    corsOrigins,
    loginSlowdown: {
      maxDelayMs: config.LOGIN_SLOWDOWN_MAX_MS,
      maxWaiting: config.LOGIN_SLOWDOWN_MAX_WAITING,
    },
    passport,
    presence,
    attachments,
    push: { publicKey: vapid?.publicKey, production: config.NODE_ENV === "production" },
    blobs: storage.links && blobRoutes(storage.blobs, storage.links),
    fileOrigins: storage.publicOrigin ? [storage.publicOrigin] : [],
    probe: readinessProbe(db, redis?.data, config.READYZ_TIMEOUT_MS, redis?.sub),
    openapi: buildOpenApi(VERSION),
    asyncapi: buildAsyncApi(VERSION),
    // The web client last: it answers only what no API route took.
    extra: [
      ...ops.routers({
        nodeId,
        instanceId,
        ctx,
        auth: requireJwt(passport),
        registry: shared.registry,
        self: snapshot,
      }),
      webRoutes(path.join(config.rootDir, WEB_DIST)),
    ],
  });

  const metricsServer =
    config.METRICS_PORT === undefined
      ? undefined
      : await startMetricsServer(ops.metrics, config.METRICS_TOKEN, config.HOST, config.METRICS_PORT);

  const dbLabel = embedded
    ? `embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${dataDir}/pg)`
    : "DATABASE_URL";
  const mode = redis
    ? `cluster mode (Redis adapter: ${adapter}${endpoint?.kind === "cluster" ? ", on a Redis Cluster" : ""})`
    : "single node (in-memory adapter, no REDIS_URL)";
  log.info(
    {
      port,
      nodeId,
      database: embedded ? "embedded" : "external",
      mode: redis ? "cluster" : "single",
      storage: storage.blobs.kind,
      ms: Date.now() - started,
      ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
    },
    `node ${nodeId} listening on http://localhost:${port} — database: ${dbLabel}; ${mode}; files: ${storage.describe}; docs at /docs`,
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopGuard();
      stopSweeper();
      stopMembershipSync();
      ops.load.stop();
      revocations.stop();
      push?.stop();
      server.close(); // stop accepting
      await metricsServer?.close();
      // Every event already received gets its ack (a send: once committed) before the sockets go.
      await Promise.all([
        ops.inFlight.settled(config.SHUTDOWN_TIMEOUT_MS / 2),
        originWs.settled(config.SHUTDOWN_TIMEOUT_MS / 2),
      ]);
      await Promise.all([commits.messages.drain(), commits.receipts.drain()]);
      // Pushes of what was just stored may still be decided and sent; then in-flight ones are cut.
      if (webPush) await Promise.race([webPush.idle(), new Promise((r) => setTimeout(r, 1000).unref())]);
      pushSender?.close();
      // Clients reconnect elsewhere and sync (a transport close, which socket.io-client retries).
      // Origin sockets are told 1001 (going away): their clients reconnect to another node.
      await Promise.all([
        closeConnections(io, Math.min(2000, config.SHUTDOWN_TIMEOUT_MS / 4)),
        originWs.closeAll(Math.min(2000, config.SHUTDOWN_TIMEOUT_MS / 4)),
      ]);
      await new Promise<void>((r) => io.close(() => r()));
      await shared.close();
      if (redis)
        await Promise.all(
          [redis.pub.quit(), redis.sub.quit(), redis.data.quit()].map((p) => p.catch(() => undefined)),
        );
      await storage.blobs.close();
      await db.close();
      if (embedded) await embedded.stop();
    })());
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    metricsPort: metricsServer?.port,
    nodeId,
    db,
    io,
    push: webPush && pushSender && { idle: () => webPush.idle(), sender: pushSender },
    close,
  };
}
