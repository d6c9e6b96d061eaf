/** What a bench run is told: scenario, load shape and topology. Parsed from the command line by cli.ts. */
import { parseArgs } from "node:util";

type Scenario = "closed" | "open" | "idle" | "read" | "manychats";
const SCENARIOS: Scenario[] = ["closed", "open", "idle", "read", "manychats"];

export interface BenchOptions {
  scenario: Scenario;
  /** Users (each with `devices` connections); rounded down to a multiple of `chatSize`. */
  users: number;
  /** Members per group chat; every user is in exactly one chat. @default 4 */
  chatSize: number;
  /**
   * Users that send (closed and open loops); the others only receive. Spread evenly over the chats:
   * the first senders/chats members of each chat send. 0: every user. @default 0
   */
  senders: number;
  /** `manychats`: chats the one measured user is in (created by SQL, see manychats.ts). @default 3000 */
  chats: number;
  /** Chat nodes; more than one runs behind nginx with a private Redis. @default 1 */
  nodes: number;
  /**
   * `--nodes 1,2,3,4`: the scaling curve, one run per node count (scaling.ts); needs `nodeCpu`, and
   * `users` is then per node.
   */
  nodeSteps?: number[];
  /**
   * CPUs each node may use, enforced by a cgroup per node (cgroup.ts); PostgreSQL, Redis, nginx and
   * the load client stay outside. Set: even one node runs behind nginx + Redis (the path of N nodes).
   */
  nodeCpu?: number;
  /** Measured seconds (after `warmup`). @default 10 */
  seconds: number;
  /** Seconds of load before measuring starts. @default 2 */
  warmup: number;
  /** Offered messages/s for `open` (a list runs one step per rate) and `idle`. */
  rates: number[];
  /** Bytes of message text. @default 64 */
  messageSize: number;
  /** Connections per user, spread over the nodes. @default 1 */
  devices: number;
  /**
   * `nginx`: every device through nginx (sticky by source address, so devices use 127.0.0.x); `direct`:
   * device d of user u on node (u + d) mod N (a chat's members spread over the nodes); `chat`: every
   * device of a chat's members on one node, chat c on node c mod N (no message crosses nodes).
   */
  via: "nginx" | "direct" | "chat";
  /** Run the minimal fan-out server (socket.io only, no database, no Redis) instead of ours. */
  baseline: boolean;
  /** Write `node --cpu-prof` profiles of every node into the result folder. */
  cpuProf: boolean;
  /** PostgreSQL URL; unset: DATABASE_URL, else the embedded server in .data/cluster-pg. */
  databaseUrl?: string;
  /** Embedded PostgreSQL's data folder when there is no database URL. @default <repo>/.data/cluster-pg */
  pgDataDir?: string;
  /** Folder for `<time>/` result folders. @default <repo>/bench-results */
  outDir?: string;
  /** Extra node environment (e.g. WRITER_MAX_IN_FLIGHT for a before/after). */
  nodeEnv: Record<string, string>;
  /** A free-form tag shown in the report. */
  label?: string;
  /** Concurrent REST calls while creating users and chats. @default 32 */
  setupConcurrency: number;
  /** Chats are MLS groups: each connection is an MLS device, sends encrypted, deliveries decrypted. */
  encrypted: boolean;
  /** With `--encrypted` (cli.ts): plain and encrypted runs alternate this many times. @default 2 */
  pairs: number;
}

/** The options a result records (no URLs or local paths). */
export type RecordedOptions = Omit<BenchOptions, "databaseUrl" | "outDir" | "pgDataDir">;

export const DEFAULTS: BenchOptions = {
  scenario: "closed",
  users: 200,
  chatSize: 4,
  senders: 0,
  chats: 3000,
  nodes: 1,
  seconds: 10,
  warmup: 2,
  rates: [],
  messageSize: 64,
  devices: 1,
  via: "nginx",
  baseline: false,
  cpuProf: false,
  nodeEnv: {},
  setupConcurrency: 32,
  encrypted: false,
  pairs: 2,
};

export const USAGE = `Usage: pnpm bench [closed|open|idle|read|manychats] [options]
  --users N          users (default 200); each is in one chat of --chat-size
  --chat-size N      members per chat (default 4)
  --senders N        only N users send (the first N/chats members of each chat), the rest receive:
                     a big group, e.g. --users 500 --chat-size 500 --senders 50 (default: all)
  --chats N          manychats: one user in N chats (default 3000), set up by SQL; measures the
                     handshake, GET /api/v1/chats, sync {} and node RSS per socket
  --nodes N          chat nodes (default 1; >1 adds nginx and a private Redis)
  --node-cpu C       each node in its own cgroup with a budget of C CPUs (e.g. 0.2; needs a writable
                     cgroup cpu controller, else an error); PostgreSQL, Redis, nginx and the load
                     client stay outside; one node also runs behind nginx + Redis
  --nodes 1,2,3,4    with --node-cpu: the scaling curve, one run per node count with --users PER NODE
                     (a fixed offered load per node; default 200), then <time>-scaling.md + .svg:
                     delivered/s against nodes, the ideal n × one node, efficiency, what saturated
  --seconds S        measured seconds (default 10) after --warmup S (default 2)
  --rate R[,R2…]     offered messages/s: open (one step per rate; default 2000) and idle (default users/100)
  --message-size B   bytes of text per message (default 64)
  --devices N        connections per user, spread over the nodes (default 1)
  --via nginx|direct|chat  how devices reach several nodes (default nginx): nginx by source address,
                     direct = a chat's members spread over the nodes, chat = a chat's members on one node
  --baseline         the same clients against a minimal socket.io fan-out server (no DB, no Redis),
                     then ours with the same options, and the ratio
  --cpu-prof         node --cpu-prof on every node; profiles land in the result folder
  --env K=V          extra node environment (repeatable)
  --encrypted        plain and encrypted (MLS) chats in alternate runs (--pairs N, default 2), then
                     delivered/s, node CPU per delivery and the clients' encrypt/decrypt cost side by side
  --label TEXT       a tag for the report
  --out DIR          results folder (default bench-results)
Database: DATABASE_URL if set, else the embedded PostgreSQL in .data/cluster-pg (a fresh database per run).
Attachments: pnpm bench upload --help
Reconnect storm (node A of 3 SIGKILLed under its devices): pnpm bench storm --help`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scenario: { type: "string" },
      users: { type: "string" },
      "chat-size": { type: "string" },
      senders: { type: "string" },
      chats: { type: "string" },
      nodes: { type: "string" },
      "node-cpu": { type: "string" },
      seconds: { type: "string" },
      warmup: { type: "string" },
      rate: { type: "string" },
      "message-size": { type: "string" },
      devices: { type: "string" },
      via: { type: "string" },
      baseline: { type: "boolean" },
      "cpu-prof": { type: "boolean" },
      env: { type: "string", multiple: true },
      label: { type: "string" },
      out: { type: "string" },
      "setup-concurrency": { type: "string" },
      encrypted: { type: "boolean" },
      pairs: { type: "string" },
    },
  });
  const scenario = (values.scenario ?? positionals[0] ?? DEFAULTS.scenario) as Scenario;
  if (!SCENARIOS.includes(scenario)) throw new Error(`unknown scenario "${scenario}"`);
  if (positionals.length > 1) throw new Error(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
  const num = (name: string, v: string | undefined, def: number, min: number) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const via = values.via ?? DEFAULTS.via;
  if (via !== "nginx" && via !== "direct" && via !== "chat")
    throw new Error("--via must be nginx, direct or chat");
  const nodeEnv: Record<string, string> = {};
  for (const kv of values.env ?? []) {
    const i = kv.indexOf("=");
    if (i < 1) throw new Error(`--env wants K=V, got "${kv}"`);
    nodeEnv[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const nodeList = (values.nodes ?? "").split(",").filter(Boolean);
  const nodeSteps = nodeList.length > 1 ? nodeList.map((v) => Math.floor(num("nodes", v, 1, 1))) : undefined;
  const nodeCpu = values["node-cpu"] === undefined ? undefined : num("node-cpu", values["node-cpu"], 0, 0.01);
  const rates = (values.rate ?? "")
    .split(",")
    .filter(Boolean)
    .map((r) => num("rate", r, 0, 0.1));
  const opts: BenchOptions = {
    ...DEFAULTS,
    scenario,
    users: Math.floor(num("users", values.users, DEFAULTS.users, 2)),
    chatSize: Math.floor(num("chat-size", values["chat-size"], DEFAULTS.chatSize, 2)),
    senders: Math.floor(num("senders", values.senders, DEFAULTS.senders, 0)),
    chats: Math.floor(num("chats", values.chats, DEFAULTS.chats, 1)),
    nodes: nodeSteps ? nodeSteps[0] : Math.floor(num("nodes", values.nodes, DEFAULTS.nodes, 1)),
    nodeSteps,
    nodeCpu,
    seconds: num("seconds", values.seconds, DEFAULTS.seconds, 0.5),
    warmup: num("warmup", values.warmup, DEFAULTS.warmup, 0),
    rates,
    messageSize: Math.floor(num("message-size", values["message-size"], DEFAULTS.messageSize, 1)),
    // manychats: the sockets of the user in many chats (memory per socket from half of them to all).
    devices: Math.floor(num("devices", values.devices, scenario === "manychats" ? 40 : DEFAULTS.devices, 1)),
    via,
    baseline: values.baseline ?? false,
    cpuProf: values["cpu-prof"] ?? false,
    nodeEnv,
    label: values.label,
    outDir: values.out,
    setupConcurrency: Math.floor(
      num("setup-concurrency", values["setup-concurrency"], DEFAULTS.setupConcurrency, 1),
    ),
    encrypted: values.encrypted ?? false,
    pairs: Math.floor(num("pairs", values.pairs, DEFAULTS.pairs, 1)),
  };
  if (opts.encrypted && (opts.baseline || opts.scenario === "idle"))
    throw new Error("--encrypted goes with closed, open or read, not --baseline or idle");
  if (opts.users < opts.chatSize) throw new Error("--users must be at least --chat-size");
  if (opts.senders > opts.users) throw new Error("--senders must be at most --users");
  if (opts.scenario === "manychats" && (opts.baseline || opts.encrypted || opts.nodeSteps))
    throw new Error("manychats measures our server alone: no --baseline, --encrypted or node steps");
  if (opts.baseline && opts.nodes > 1) throw new Error("--baseline runs one process: use --nodes 1");
  if (nodeSteps && nodeCpu === undefined)
    throw new Error("--nodes with a list is the scaling curve: give each node a budget with --node-cpu");
  if (nodeCpu !== undefined && (opts.baseline || opts.encrypted))
    throw new Error("--node-cpu goes with our cluster's plain chats, not --baseline or --encrypted");
  if (nodeSteps && opts.scenario !== "closed" && opts.scenario !== "read")
    throw new Error(
      "the scaling curve (--nodes list) runs closed or read: a closed loop per node saturates its budget",
    );
  return opts;
}

/** The offered rates of a run: `open` defaults to one step of 2,000/s, `idle` to one message/s per 100 users. */
export function ratesOf(o: BenchOptions): number[] {
  if (o.rates.length > 0) return o.rates;
  if (o.scenario === "open") return [2000];
  if (o.scenario === "idle") return [Math.max(1, o.users / 100)];
  return [];
}
