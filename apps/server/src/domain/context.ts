import type { Logger } from "pino";
import type { Database } from "../store/database.ts";
import type { ChatCommits } from "../store/group-commit.ts";
import type { Broadcast } from "./broadcast.ts";
import type { RateLimiter } from "../cluster/rate-limit.ts";
import type { Limits } from "../security/limits.ts";
import type { WireMessage } from "./serialize.ts";

/** Told of every new message right after this node stored it (Web Push: push/message-push.ts). */
export interface NewMessageHook {
  /** Never throws nor waits: the work goes to a queue. */
  stored(message: WireMessage): void;
}

/** What the domain needs from the outside world; built once in app wiring. */
export interface DomainContext {
  db: Database;
  /** The group-commit engines chat writes go through (store/group-commit.ts). */
  commits: ChatCommits;
  bus: Broadcast;
  log: Logger;
  bcryptCost: number;
  limiter: RateLimiter;
  limits: Limits;
  /** Proxy hops whose X-Forwarded-For is believed (TRUST_PROXY_HOPS; security/client-ip.ts). */
  trustProxyHops: number;
  /** Web Push of new messages, when it is on. */
  push?: NewMessageHook;
}
