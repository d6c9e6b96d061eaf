/**
 * The `sync` flood of issue 12 (item 1), reproducible: one chat holds N messages of M CJK
 * characters; S sockets of one user each fire P parallel `sync {chats: [{chat_id, after_seq: 0}],
 * limit: 500}`. Measures the node's RSS (before, peak = VmHWM, after) and another user's
 * `message:send` ack latency when idle and during the attack.
 *
 *   node --import tsx scripts/sync-flood.ts [--messages 1000] [--chars 4000] [--sockets 10] [--parallel 40]
 *
 * Needs a PostgreSQL server (ATTACK_PG_URL, default postgres://root@127.0.0.1:5432/postgres): a
 * database is created for the run and dropped after. The node runs as a child process
 * (`src/main.ts`, as `pnpm start` runs it) with the default limits, except sends (the victim's).
 * The test test/security/answer-budget.test.ts uses the same functions with smaller numbers.
 */
import fs from "node:fs";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import crypto from "node:crypto";
import pg from "pg";
import { io as connect, type Socket } from "socket.io-client";
import { spawnNode, type NodeProcess } from "../src/launcher/node-process.ts";
import { dropDatabase, ensureDatabase, withDatabase } from "../src/store/embedded-postgres.ts";

export interface Seeded {
  attacker: string;
  victim: string;
  floodChat: number;
  victimChat: number;
}

/** Fields of /proc/<pid>/status in MB: VmRSS (now) and VmHWM (the peak so far). */
export function memoryMB(pid: number): { rss: number; peak: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (f: string) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function post(url: string, path: string, body: unknown, token?: string) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function user(url: string, name: string): Promise<string> {
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  await post(url, "/api/v1/register", { name, email, password: "correct horse battery" });
  const tok = await post(url, "/api/v1/token", { username: email, password: "correct horse battery" });
  return tok.access_token as string;
}

/** Two users, the attacker's chat filled (straight in SQL) with `messages` rows of `chars` CJK characters. */
export async function seed(
  url: string,
  databaseUrl: string,
  messages: number,
  chars: number,
): Promise<Seeded> {
  const attacker = await user(url, "attacker");
  const victim = await user(url, "victim");
  const floodChat = (await post(url, "/api/v1/chats", { chat_type: "group", name: "flood" }, attacker))
    .chat_id as number;
  const victimChat = (await post(url, "/api/v1/chats", { chat_type: "group", name: "quiet" }, victim))
    .chat_id as number;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, client_id, text)
       SELECT $1, s, (SELECT owner_id FROM chats WHERE id = $1), gen_random_uuid(), repeat('漢', $3)
         FROM generate_series(1, $2) s`,
      [floodChat, messages, chars],
    );
    await db.query("UPDATE chats SET last_seq = $2 WHERE id = $1", [floodChat, messages]);
  } finally {
    await db.end();
  }
  return { attacker, victim, floodChat, victimChat };
}

function socketOf(url: string, token: string): Promise<Socket> {
  const s = connect(url, { auth: { token }, transports: ["websocket"], reconnection: false });
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", (e) => reject(e));
  });
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime: fields 14 and 15, in clock ticks
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}
const summary = (xs: number[]): Latency => ({
  n: xs.length,
  p50: quantile(xs, 0.5),
  p99: quantile(xs, 0.99),
  max: Math.max(...xs),
});

/** The victim sends one message at a time (25 ms apart) until `stop()`; answers each ack's latency in ms. */
function victimLoop(s: Socket, chatId: number) {
  const times: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const t0 = performance.now();
      await s.timeout(60_000).emitWithAck("message:send", {
        chat_id: chatId,
        client_id: crypto.randomUUID(),
        text: "ping",
      });
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return times;
    },
  };
}

export interface FloodResult {
  rssBeforeMB: number;
  rssPeakMB: number;
  rssAfterMB: number;
  /** CPU seconds the node spent during the attack. */
  nodeCpuSeconds: number;
  idle: Latency;
  attack: Latency;
  syncs: SyncTally;
}

interface SyncTally {
  ok: number;
  refused: Record<string, number>;
  bytes: number;
  seconds: number;
}

/** The attackers' side: S sockets × P parallel syncs; answers what came back. */
async function attack(
  url: string,
  token: string,
  chatId: number,
  o: { sockets: number; parallel: number; limit: number },
) {
  const attackers = await Promise.all(Array.from({ length: o.sockets }, () => socketOf(url, token)));
  process.stdout.write("ready\n");
  const refused: Record<string, number> = {};
  let ok = 0;
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    attackers.flatMap((s) =>
      Array.from({ length: o.parallel }, async () => {
        const res = (await s
          .timeout(120_000)
          .emitWithAck("sync", { chats: [{ chat_id: chatId, after_seq: 0 }], limit: o.limit })
          .catch(() => ({ ok: false, error: { code: "no answer (timeout or dropped)" } }))) as {
          ok: boolean;
          data?: { chats: { messages: { text: string }[] }[] };
          error?: { code: string };
        };
        if (res.ok) {
          ok++;
          for (const m of res.data!.chats[0].messages) bytes += Buffer.byteLength(m.text);
        } else refused[res.error!.code] = (refused[res.error!.code] ?? 0) + 1;
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of attackers) s.disconnect();
  return { ok, refused, bytes, seconds };
}

/**
 * The attackers run in a child process of their own: decoding their answers must not slow the
 * victim's client, only the node may.
 */
function attackInChild(
  url: string,
  seeded: Seeded,
  o: { sockets: number; parallel: number; limit: number },
  onReady: () => void,
) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--attacker",
      JSON.stringify({ url, token: seeded.attacker, chatId: seeded.floodChat, ...o }),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    if (out.startsWith("ready\n")) {
      out = out.slice(6);
      onReady();
    }
  });
  return new Promise<SyncTally>((resolve, reject) =>
    child.once("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out) as SyncTally)
        : reject(new Error(`attacker exited ${code}: ${out}`)),
    ),
  );
}

/** Runs the attack against a running node (`pid` is its process, for /proc). */
export async function flood(
  url: string,
  pid: number,
  seeded: Seeded,
  o: { sockets: number; parallel: number; limit?: number; idleMs?: number },
): Promise<FloodResult> {
  const victim = await socketOf(url, seeded.victim);
  try {
    // Idle: the victim alone (after a warm-up so the first, JIT-cold sends do not count).
    let loop = victimLoop(victim, seeded.victimChat);
    await new Promise((r) => setTimeout(r, 500));
    await loop.stop();
    loop = victimLoop(victim, seeded.victimChat);
    await new Promise((r) => setTimeout(r, o.idleMs ?? 3000));
    const idle = await loop.stop();
    const before = memoryMB(pid);
    const cpuBefore = cpuSeconds(pid);

    // Measured from the moment the attackers are connected and fire.
    const syncs = await attackInChild(
      url,
      seeded,
      { sockets: o.sockets, parallel: o.parallel, limit: o.limit ?? 500 },
      () => (loop = victimLoop(victim, seeded.victimChat)),
    );
    const attacked = await loop.stop();
    const after = memoryMB(pid);
    return {
      rssBeforeMB: before.rss,
      rssPeakMB: after.peak,
      rssAfterMB: after.rss,
      nodeCpuSeconds: cpuSeconds(pid) - cpuBefore,
      idle: summary(idle),
      attack: summary(attacked),
      syncs,
    };
  } finally {
    victim.disconnect();
  }
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main() {
  const server = process.env.ATTACK_PG_URL ?? "postgres://root@127.0.0.1:5432/postgres";
  const dbName = `sync_flood_${Date.now().toString(36)}`;
  const databaseUrl = await ensureDatabase(server, dbName);
  let node: NodeProcess | undefined;
  try {
    node = await spawnNode({
      NODE_ENV: "test",
      PORT: "0",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: crypto.randomBytes(32).toString("base64"),
      BCRYPT_COST: "4",
      LOG_LEVEL: "info", // spawnNode waits for the "listening" line
      // Only the victim's own sends are not what is measured.
      RATE_LIMIT_SENDS_PER_USER_PER_10S: "0",
    });
    const seeded = await seed(node.url, databaseUrl, arg("messages", 1000), arg("chars", 4000));
    const r = await flood(node.url, node.proc.pid!, seeded, {
      sockets: arg("sockets", 10),
      parallel: arg("parallel", 40),
      limit: arg("limit", 500),
    });
    const f = (l: Latency) =>
      `p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms (n=${l.n})`;
    console.log(
      `node RSS: before ${r.rssBeforeMB.toFixed(0)} MB, peak ${r.rssPeakMB.toFixed(0)} MB, after ${r.rssAfterMB.toFixed(0)} MB`,
    );
    console.log(`node CPU during the attack: ${r.nodeCpuSeconds.toFixed(2)} s`);
    console.log(`victim ack idle:   ${f(r.idle)}`);
    console.log(`victim ack attack: ${f(r.attack)}`);
    console.log(
      `syncs: ${r.syncs.ok} answered (${(r.syncs.bytes / 1e6).toFixed(0)} MB of text), refused ${JSON.stringify(r.syncs.refused)}, in ${r.syncs.seconds.toFixed(1)} s`,
    );
  } finally {
    await node?.kill();
    await dropDatabase(server, dbName).catch(() => undefined);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--attacker");
  (i >= 0
    ? (async () => {
        const a = JSON.parse(process.argv[i + 1]) as {
          url: string;
          token: string;
          chatId: number;
          sockets: number;
          parallel: number;
          limit: number;
        };
        process.stdout.write(JSON.stringify(await attack(a.url, a.token, a.chatId, a)));
        process.exit(0);
      })()
    : main()
  ).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
