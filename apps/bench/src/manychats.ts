/**
 * `pnpm bench manychats --chats 3000`: one user in thousands of chats. Users are registered over
 * REST; the chats, memberships and one unread message per chat are written by SQL in three
 * statements (creating 3,000 chats over REST would take minutes and measure nothing we report).
 * Then, against the running node:
 *
 * - the socket handshake (from `io()` until the `connect` event), one socket at a time, for the
 *   user in N chats and, in the same run, for a user in one chat;
 * - `GET /api/v1/chats`: time and bytes of the first page, then every page (`offset`) to the end;
 * - `sync {}`: time, bytes, chats and messages of the answer;
 * - the node's memory per such socket: private RSS and V8 heap after a full GC with half the
 *   sockets open, then all of them (as the idle scenario measures it);
 *
 * and checks each answer against its documented bound (ANSWER_MAX_BYTES: about 1 MiB, "exceeded by
 * at most one row", docs/security.md).
 */
import { io, type Socket } from "socket.io-client";
import pg from "pg";
import { ApiClient } from "@chat/client";
import type { ClientToServerEvents, ServerToClientEvents } from "@chat/protocol";
import type { BenchOptions } from "./options.ts";
import os from "node:os";
import { machineCpu, ProcSampler, round } from "./proc-stats.ts";
import { begin, type Log } from "./start.ts";
import { startTopology, type Topology } from "./topology.ts";

type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The node's answer budget in a bench run (ANSWER_MAX_BYTES's default). */
const ANSWER_BUDGET = 1_048_576;
/** How far past the budget an answer may go: one row (a chat list row or a message, a few kB at most). */
const ONE_ROW_SLACK = 16_384;

interface Timing {
  p50: number;
  max: number;
  n: number;
}

interface ManyChatsResult {
  chats: number;
  membersPerChat: number;
  setupSeconds: number;
  handshakeMs: { manyChats: Timing; oneChat: Timing };
  listChats: {
    firstPageMs: Timing;
    firstPageBytes: number;
    firstPageChats: number;
    pages: number;
    allPagesMs: number;
    maxPageBytes: number;
    chatsListed: number;
  };
  sync: { ms: Timing; bytes: number; chats: number; messages: number; hasMore: boolean };
  memory: {
    sockets: number;
    rssPerSocketKB: number;
    heapPerSocketKB: number;
    nodeRssHalfMB: number;
    nodeRssAllMB: number;
  };
  bounds: { budget: number; listChatsOk: boolean; syncOk: boolean };
}

const timing = (xs: number[]): Timing => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round(s[Math.floor((s.length - 1) / 2)] ?? 0, 1), max: round(s.at(-1) ?? 0, 1), n: s.length };
};

const PASSWORD = "bench password 1234";

async function registerUser(
  url: string,
  runId: string,
  name: string,
): Promise<{ id: number; token: string }> {
  const api = new ApiClient(url);
  const email = `bench-${runId}-${name}@example.test`;
  const reg = await api.register(`bench ${name}`, email, PASSWORD);
  return { id: reg.id, token: await api.login(email, PASSWORD) };
}

/**
 * `chats` group chats whose members are `memberIds` (the first owns them), each with one message
 * from the second member (unread for the first), activity a second apart: three statements.
 */
async function createChatsBySql(
  databaseUrl: string,
  memberIds: number[],
  chats: number,
  label = "many",
): Promise<number[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query("BEGIN");
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO chats (type, name, owner_id, last_seq, activity_at)
       SELECT 'group', $3 || ' ' || g, $1, 1, now() - g * interval '1 second' FROM generate_series(1, $2::int) g
       RETURNING id`,
      [memberIds[0], chats, label],
    );
    const ids = rows.map((r) => r.id);
    await db.query(
      `INSERT INTO chat_members (chat_id, user_id, role)
       SELECT c, u, (CASE WHEN u = $3 THEN 'owner' ELSE 'member' END)::"MemberRole"
         FROM unnest($1::int[]) c, unnest($2::int[]) u`,
      [ids, memberIds, memberIds[0]],
    );
    await db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, client_id, text)
       SELECT c, 1, $2, gen_random_uuid(), 'hello from a chat among many' FROM unnest($1::int[]) c`,
      [ids, memberIds[1] ?? memberIds[0]],
    );
    await db.query("COMMIT");
    return ids;
  } finally {
    await db.end();
  }
}

function connectTimed(url: string, token: string): Promise<{ socket: ChatClient; ms: number }> {
  const started = performance.now();
  const socket: ChatClient = io(url, {
    transports: ["websocket"],
    auth: { token, batch: true },
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve({ socket, ms: performance.now() - started }));
    socket.once("connect_error", (err) => reject(new Error(`handshake: ${err.message}`)));
  });
}

async function timedGet(url: string, token: string): Promise<{ ms: number; bytes: number; body: unknown }> {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const ms = performance.now() - started;
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 200)}`);
  return { ms, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

type SyncAck = {
  ok: boolean;
  data?: { chats: Array<{ messages: unknown[]; has_more: boolean }>; has_more?: boolean };
};

function timedSync(socket: ChatClient): Promise<{ ms: number; bytes: number; ack: SyncAck }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    socket.timeout(60_000).emit("sync", {}, (err: Error | null, ack: unknown) => {
      if (err) return reject(err);
      const a = ack as SyncAck;
      if (!a.ok) return reject(new Error(`sync refused: ${JSON.stringify(ack).slice(0, 200)}`));
      // The answer's size on the wire is its JSON (socket.io's default parser).
      resolve({ ms: performance.now() - started, bytes: Buffer.byteLength(JSON.stringify(ack)), ack: a });
    });
  });
}

async function runManyChats(
  o: BenchOptions,
  runId: string,
  topology: Topology,
  sampler: ProcSampler,
  log: Log,
): Promise<ManyChatsResult> {
  if (!topology.databaseUrl) throw new Error("manychats sets its chats up by SQL: it needs a database");
  const url = topology.url;
  const api = `${url}/api/v1`;
  const started = performance.now();
  // The measured user, the other members of its chats, and a user in one chat (the comparison).
  const members = [];
  for (let i = 0; i < o.chatSize; i++) members.push(await registerUser(url, runId, `m${i}`));
  const lone = await registerUser(url, runId, "lone");
  await createChatsBySql(
    topology.databaseUrl,
    members.map((m) => m.id),
    o.chats,
  );
  await createChatsBySql(topology.databaseUrl, [lone.id, members[1].id], 1, "one");
  const setupSeconds = (performance.now() - started) / 1000;
  log(`setup: 1 user in ${o.chats} chats of ${o.chatSize} (by SQL) in ${setupSeconds.toFixed(1)} s`);
  const me = members[0];

  // Warm the node's code paths (JIT, pools) once before anything is timed.
  await timedGet(`${api}/chats`, me.token);
  const warm = await connectTimed(url, me.token);
  await timedSync(warm.socket);
  warm.socket.disconnect();

  const oneChat: number[] = [];
  for (let i = 0; i < 10; i++) {
    const c = await connectTimed(url, lone.token);
    oneChat.push(c.ms);
    c.socket.disconnect();
  }

  // GET /api/v1/chats: the first page a few times, then every page to the end.
  const firstPage: number[] = [];
  let first = await timedGet(`${api}/chats`, me.token);
  for (let i = 0; i < 5; i++) {
    first = await timedGet(`${api}/chats`, me.token);
    firstPage.push(first.ms);
  }
  const firstBody = first.body as { chats: unknown[]; has_more: boolean };
  let offset = 0;
  let pages = 0;
  let maxPageBytes = 0;
  const pagesStarted = performance.now();
  for (;;) {
    const page = await timedGet(`${api}/chats?offset=${offset}`, me.token);
    const body = page.body as { chats: unknown[]; has_more: boolean };
    pages++;
    offset += body.chats.length;
    maxPageBytes = Math.max(maxPageBytes, page.bytes);
    if (!body.has_more || body.chats.length === 0 || pages > 1000) break;
  }
  const allPagesMs = performance.now() - pagesStarted;
  log(`GET /chats: ${pages} pages, ${offset} chats, first page ${first.bytes} bytes`);

  // The sockets: one at a time (handshake times), memory read after half and after all.
  const sockets: ChatClient[] = [];
  const handshakes: number[] = [];
  const rss = () => topology.nodes.reduce((s, n) => s + sampler.anonKB(n.name), 0);
  const n = Math.max(2, o.devices);
  const half = Math.floor(n / 2);
  let heapHalf = 0;
  let rssHalf = 0;
  for (let i = 0; i < n; i++) {
    if (i === half) {
      heapHalf = await topology.collectGarbage();
      rssHalf = rss();
    }
    const c = await connectTimed(url, me.token);
    sockets.push(c.socket);
    handshakes.push(c.ms);
  }
  const heapAll = await topology.collectGarbage();
  const rssAll = rss();
  log(`${n} sockets of the user in ${o.chats} chats: handshake p50 ${timing(handshakes).p50} ms`);

  const syncs: number[] = [];
  let last: Awaited<ReturnType<typeof timedSync>> | undefined;
  for (let i = 0; i < 5; i++) {
    last = await timedSync(sockets[i % sockets.length]);
    syncs.push(last.ms);
  }
  const chats = last!.ack.data!.chats;
  for (const s of sockets) s.disconnect();

  const bound = ANSWER_BUDGET + ONE_ROW_SLACK;
  return {
    chats: o.chats,
    membersPerChat: o.chatSize,
    setupSeconds: round(setupSeconds, 1),
    handshakeMs: { manyChats: timing(handshakes), oneChat: timing(oneChat) },
    listChats: {
      firstPageMs: timing(firstPage),
      firstPageBytes: first.bytes,
      firstPageChats: firstBody.chats.length,
      pages,
      allPagesMs: round(allPagesMs, 1),
      maxPageBytes,
      chatsListed: offset,
    },
    sync: {
      ms: timing(syncs),
      bytes: last!.bytes,
      chats: chats.length,
      messages: chats.reduce((s, c) => s + c.messages.length, 0),
      // A chat's own has_more, or the answer's (chats left out by the byte budget).
      hasMore: last!.ack.data!.has_more === true || chats.some((c) => c.has_more),
    },
    memory: {
      sockets: n - half,
      rssPerSocketKB: round((rssAll - rssHalf) / (n - half), 1),
      heapPerSocketKB: round((heapAll - heapHalf) / (n - half), 1),
      nodeRssHalfMB: round(rssHalf / 1024, 1),
      nodeRssAllMB: round(rssAll / 1024, 1),
    },
    bounds: {
      budget: ANSWER_BUDGET,
      listChatsOk: maxPageBytes <= bound && offset === o.chats,
      syncOk: last!.bytes <= bound,
    },
  };
}

/** Starts the node (and its database), runs the measurements, stops everything; `machine` says how loaded the box was. */
export async function benchManyChats(
  o: BenchOptions,
  log: Log,
): Promise<{ result: ManyChatsResult; machine: string; startedAt: Date }> {
  const start = begin({ ...o, chatSize: 1 }, log);
  const topology = await startTopology(o, start.runId);
  const sampler = new ProcSampler(topology.tracked);
  const cpu0 = machineCpu();
  const t0 = performance.now();
  let result: ManyChatsResult;
  try {
    sampler.begin();
    result = await runManyChats(o, start.runId, topology, sampler, log);
  } finally {
    await topology.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const busy = round((machineCpu().busy - cpu0.busy) / seconds, 2);
  const machine =
    `${os.cpus().length} CPUs, load average ${start.loadavgBefore.map((x) => x.toFixed(2)).join(" ")} before, ` +
    `${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")} after; ${busy} cores busy on average during the run ` +
    `(other helpers' work included), ${topology.database} PostgreSQL.`;
  return { result, machine, startedAt: start.startedAt };
}

/** The figures as a few lines (console) and as report.md. */
export function manyChatsMarkdown(r: ManyChatsResult, command: string, machine: string): string {
  const t = (x: Timing) => `${x.p50} / ${x.max} ms (n=${x.n})`;
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  return [
    `# Bench: one user in ${r.chats.toLocaleString("en-US")} chats of ${r.membersPerChat}`,
    "",
    `Command: \`${command}\`. ${machine}`,
    "",
    "| figure | value |",
    "| --- | --- |",
    `| setup (users over REST, chats by SQL) | ${r.setupSeconds} s |`,
    `| handshake p50 / max, user in ${r.chats} chats | ${t(r.handshakeMs.manyChats)} |`,
    `| handshake p50 / max, user in 1 chat (same run) | ${t(r.handshakeMs.oneChat)} |`,
    `| GET /api/v1/chats, first page p50 / max | ${t(r.listChats.firstPageMs)} |`,
    `| … its size / chats / has_more | ${kb(r.listChats.firstPageBytes)} / ${r.listChats.firstPageChats} / ${r.listChats.pages > 1} |`,
    `| … every page to the end (offset) | ${r.listChats.pages} pages, ${r.listChats.chatsListed} chats, ${r.listChats.allPagesMs} ms, largest ${kb(r.listChats.maxPageBytes)} |`,
    `| sync {} p50 / max | ${t(r.sync.ms)} |`,
    `| … its size / chats / messages / has_more | ${kb(r.sync.bytes)} / ${r.sync.chats} / ${r.sync.messages} / ${r.sync.hasMore} |`,
    `| node private RSS per socket (GC'd, ${r.memory.sockets} sockets) | ${r.memory.rssPerSocketKB} KB |`,
    `| node V8 heap + external per socket | ${r.memory.heapPerSocketKB} KB |`,
    `| node private RSS, half / all sockets | ${r.memory.nodeRssHalfMB} / ${r.memory.nodeRssAllMB} MB |`,
    `| answers within ANSWER_MAX_BYTES (${kb(r.bounds.budget)}) + one row | GET /chats: ${r.bounds.listChatsOk ? "yes" : "**NO**"}, sync: ${r.bounds.syncOk ? "yes" : "**NO**"} |`,
  ].join("\n");
}
