/** The Express application: parsers with limits, request logs, the routes of the table, errors. */
import crypto from "node:crypto";
import express, { type Express } from "express";
import { pinoHttp } from "pino-http";
import type { DomainContext } from "../domain/context.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { SessionStore } from "../auth/sessions.ts";
import { sessionRoutes } from "./routes/session-routes.ts";
import type { Presence } from "../cluster/presence.ts";
import type { PassportStatic } from "passport";
import { requireJwt } from "./passport.ts";
import { errorHandler, notFound } from "./errors.ts";
import { authRoutes } from "./routes/auth-routes.ts";
import { userRoutes } from "./routes/user-routes.ts";
import { chatRoutes } from "./routes/chat-routes.ts";
import { messageRoutes } from "./routes/message-routes.ts";
import { deviceRoutes } from "./routes/device-routes.ts";
import { healthRoutes, type ReadinessProbe } from "./routes/health-routes.ts";
import { docsRoutes } from "./routes/docs-routes.ts";
import { originRouter } from "./origin/origin-router.ts";
import { hardening } from "../security/http-hardening.ts";
import { clientIp } from "../security/client-ip.ts";
import { requireUtf8Body, requireUtf8Query } from "./strict-decoding.ts";
import type { AttachmentDeps } from "../domain/attachments.ts";
import { attachmentRoutes } from "./routes/attachment-routes.ts";
import { pushRoutes, type PushRouteDeps } from "./routes/push-routes.ts";
import { redactBlobToken } from "../storage/blob-links.ts";

export interface AppDeps {
  ctx: DomainContext;
  tokens: TokenService;
  /** Login sessions and their refresh tokens (auth/sessions.ts). */
  sessions: SessionStore;
  /** The account ended (deleted): its tokens are refused and its sockets dropped on every node. */
  dropUserSockets?: (userId: number) => void;
  /** Lifetime of the origin's `POST /token` tokens (ORIGIN_ACCESS_TOKEN_EXPIRE_MINUTES). */
  originTokenSeconds?: number;
  /** The node's one passport (http/passport.ts); admin routes share it. */
  passport: PassportStatic;
  presence: Presence;
  probe: ReadinessProbe;
  openapi: object;
  asyncapi: object;
  corsOrigins: string[] | "same-origin";
  /** LOGIN_SLOWDOWN_MAX_MS / LOGIN_SLOWDOWN_MAX_WAITING. */
  loginSlowdown?: { maxDelayMs: number; maxWaiting: number };
  /** Attachments (issue 16): the upload flow and the links to files. */
  attachments: AttachmentDeps;
  /** Origins of the storage's presigned links (the browser uploads to and loads files from them). */
  fileOrigins?: string[];
  /** The storage driver's own endpoints, if it has any (the filesystem's signed links): before the body parsers. */
  blobs?: express.Router;
  /** Web Push: the VAPID public key (absent: push is off) and whether endpoints must be https. */
  push?: PushRouteDeps;
  /** Extra routers mounted before the 404 (metrics, admin, the web client). */
  extra?: express.Router[];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  // req.ip (the per-IP rate limits' key) believes X-Forwarded-For for TRUST_PROXY_HOPS hops only,
  // and only IP addresses in it: the same rule as the socket handshake (security/client-ip.ts).
  const hops = deps.ctx.trustProxyHops;
  app.set("trust proxy", hops);
  Object.defineProperty(app.request, "ip", {
    configurable: true,
    get(this: express.Request) {
      return clientIp(this.socket.remoteAddress, this.headers["x-forwarded-for"], hops);
    },
  });
  app.use(
    pinoHttp({
      logger: deps.ctx.log,
      genReqId: (req, res) => {
        const given = req.headers["x-request-id"];
        const id = typeof given === "string" && /^[\w-]{1,64}$/.test(given) ? given : crypto.randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      // Success is debug: no per-request (or per-message) info lines under load.
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "info" : "debug",
      serializers: {
        // A storage link's token is a credential (and names a file): logged without it.
        req: (req) => ({ id: req.id, method: req.method, url: redactBlobToken(req.url) }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(hardening(deps.corsOrigins, deps.fileOrigins));
  app.use(requireUtf8Query);
  // Their bodies are files, streamed to storage: no parser may read them first.
  if (deps.blobs) app.use(deps.blobs);
  app.use(express.json({ limit: "64kb", strict: true, verify: requireUtf8Body }));
  app.use(express.urlencoded({ extended: false, limit: "64kb", verify: requireUtf8Body }));

  const passport = deps.passport;
  app.use(passport.initialize());
  const auth = requireJwt(passport);

  app.use(healthRoutes(deps.probe));
  app.use(docsRoutes(deps.openapi, deps.asyncapi));
  app.use(authRoutes(deps.ctx, deps.tokens, deps.sessions, passport, deps.loginSlowdown, deps.corsOrigins));
  app.use(sessionRoutes(deps.ctx, deps.tokens, deps.sessions, auth, deps.dropUserSockets));
  app.use(userRoutes(deps.ctx, auth, deps.presence));
  app.use(chatRoutes(deps.ctx, auth));
  app.use(messageRoutes(deps.ctx, auth));
  app.use(deviceRoutes(deps.ctx, auth));
  app.use(attachmentRoutes(deps.attachments, auth));
  app.use(pushRoutes(deps.ctx, auth, deps.push ?? { production: true }));
  // The origin's surface (FastAPI wire shapes) owns the root once the API above lives under /api/v1.
  app.use(
    originRouter({
      ctx: deps.ctx,
      tokens: deps.tokens,
      sessions: deps.sessions,
      passport,
      auth,
      loginSlowdown: deps.loginSlowdown,
      originTokenSeconds: deps.originTokenSeconds,
    }),
  );
  for (const r of deps.extra ?? []) app.use(r);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
