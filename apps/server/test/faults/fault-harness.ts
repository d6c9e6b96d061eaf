/**
 * The fault suite's cluster and traffic: 3 node processes sharing a private redis-server and a
 * database, users with two devices each on different nodes, steady sends from every user, and a
 * reconciliation at the end (every acked message in the database and on every member device exactly
 * once, in seq order).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import pg from "pg";
import { ChatSocket, type Message } from "@chat/client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import {
  ensureDatabase,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from "../../src/store/embedded-postgres.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { migrate } from "../../src/store/migrate.ts";
import { MIGRATIONS_DIR } from "../../src/node.ts";

export interface FaultCluster {
  redis: RedisProcess;
  databaseUrl: string;
  nodes: NodeProcess[];
  env: Record<string, string>;
  /** Only with ownPostgres: the server can be stopped and started on the same port. */
  postgres?: { stop(): Promise<void>; start(): Promise<void> };
  stop(): Promise<void>;
}

export async function startFaultCluster(
  /** `env`: more variables for every node (e.g. a slower re-read of PostgreSQL). */
  opts: { ownPostgres?: boolean; nodes?: number; env?: Record<string, string> } = {},
): Promise<FaultCluster> {
  const redis = await startRedis();
  let databaseUrl: string;
  let postgres: FaultCluster["postgres"];
  let pgDir: string | undefined;
  let server: EmbeddedServer | undefined;
  if (opts.ownPostgres) {
    pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-fault-pg-"));
    fs.chmodSync(pgDir, 0o755);
    server = await startEmbeddedPostgres(path.join(pgDir, "pg"));
    const port = server.port;
    databaseUrl = await ensureDatabase(server.url, "chat");
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    await migrate(pool, MIGRATIONS_DIR);
    await pool.end();
    postgres = {
      stop: async () => {
        await server?.stop();
        server = undefined;
      },
      start: async () => {
        server = await startEmbeddedPostgres(path.join(pgDir!, "pg"), { port });
      },
    };
  } else {
    databaseUrl = await freshDatabase();
  }
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `f-${crypto.randomUUID().slice(0, 8)}`,
    PORT: "0",
    ...opts.env,
  };
  const nodes: NodeProcess[] = [];
  nodes.push(await spawnTestNode({ ...env, NODE_ID: "f1" }));
  const more = Array.from({ length: (opts.nodes ?? 3) - 1 }, (_, i) =>
    spawnTestNode({ ...env, NODE_ID: `f${i + 2}` }),
  );
  nodes.push(...(await Promise.all(more)));
  return {
    redis,
    databaseUrl,
    nodes,
    env,
    postgres,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.kill("SIGKILL")));
      await redis.stop();
      await server?.stop().catch(() => undefined);
      if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
    },
  };
}

export interface Device {
  user: TestUser;
  socket: ChatSocket;
  /** In order and de-duplicated, as ChatSocket delivers them. */
  delivered: Message[];
}

export interface World {
  users: TestUser[];
  chats: { id: number; members: TestUser[] }[];
  devices: Device[];
  close(): void;
}

/** 3 users, 2 devices each on different nodes; a group of all three and a private-ish group of two. */
export async function buildWorld(c: FaultCluster): Promise<World> {
  const urls = c.nodes.map((n) => n.url);
  const users = await Promise.all(["ann", "bob", "cat"].map((n) => createUser(urls[0], n)));
  const g = await createGroup(urls[0], users[0], [users[1], users[2]], "all");
  const p = await createGroup(urls[0], users[0], [users[1]], "pair");
  const chats = [
    { id: g, members: users },
    { id: p, members: [users[0], users[1]] },
  ];
  const devices: Device[] = [];
  users.forEach((user, u) => {
    for (let d = 0; d < 2; d++) {
      const first = (u + d) % urls.length;
      // Every node in the rotation, starting at this device's own: reconnects find a live node.
      const rotation = [...urls.slice(first), ...urls.slice(0, first)];
      const socket = new ChatSocket(rotation, {
        token: user.token,
        transports: ["websocket"],
        sendDeadline: 60_000,
      });
      const dev: Device = { user, socket, delivered: [] };
      for (const chat of chats) if (chat.members.includes(user)) socket.track(chat.id, 0);
      socket.on("message", (m) => dev.delivered.push(m));
      devices.push(dev);
    }
  });
  await Promise.all(devices.map((d) => d.socket.ready()));
  return { users, chats, devices, close: () => devices.forEach((d) => d.socket.close()) };
}

export interface TrafficStats {
  sent: number;
  acked: number;
  failed: number;
  ackedIds: Set<number>;
  errors: string[];
}

/** Every user sends into each of their chats every `everyMs`, from alternating devices, until stopped. */
export function startTraffic(w: World, everyMs = 60): { stats: TrafficStats; stop(): Promise<void> } {
  const stats: TrafficStats = { sent: 0, acked: 0, failed: 0, ackedIds: new Set(), errors: [] };
  let running = true;
  const loops = w.users.map(async (user, u) => {
    const mine = w.devices.filter((d) => d.user === user);
    const chats = w.chats.filter((c) => c.members.includes(user));
    for (let i = 0; running; i++) {
      const dev = mine[i % mine.length];
      const chat = chats[i % chats.length];
      stats.sent++;
      try {
        const out = await dev.socket.send(chat.id, `u${u} #${i}`);
        stats.acked++;
        stats.ackedIds.add(out.message.id);
      } catch (err) {
        stats.failed++;
        if (stats.errors.length < 20) stats.errors.push(String(err));
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  });
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

export interface Reconciliation {
  sent: number;
  acked: number;
  stored: number;
  delivered: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
}

/** Waits until every device holds exactly the database's messages of its chats, in seq order; answers the counts. */
export async function reconcile(c: FaultCluster, w: World, stats: TrafficStats, timeoutMs = 20_000) {
  const pool = new pg.Pool({ connectionString: c.databaseUrl, max: 1 });
  try {
    const rows = await pool.query<{ id: number; chat_id: number; seq: number }>(
      "SELECT id, chat_id, seq FROM messages WHERE chat_id = ANY($1::int[]) ORDER BY chat_id, seq",
      [w.chats.map((ch) => ch.id)],
    );
    const storedIds = new Set(rows.rows.map((r) => r.id));
    const lostFromDb = [...stats.ackedIds].filter((id) => !storedIds.has(id));
    expect(lostFromDb, "acked but not stored").to.deep.equal([]);
    const expected = new Map<number, number[]>();
    for (const r of rows.rows) expected.set(r.chat_id, [...(expected.get(r.chat_id) ?? []), r.id]);
    // Catch-up: every device asks for what it missed (as the client does after any reconnect).
    await Promise.all(w.devices.map((d) => d.socket.resync()));
    await eventually(
      async () => {
        for (const d of w.devices) {
          for (const chat of w.chats.filter((ch) => ch.members.includes(d.user))) {
            const got = d.delivered.filter((m) => m.chat_id === chat.id).map((m) => m.id);
            if (got.length !== (expected.get(chat.id) ?? []).length) await d.socket.resync();
            expect(got, `device of ${d.user.name}, chat ${chat.id}`).to.deep.equal(
              expected.get(chat.id) ?? [],
            );
          }
        }
      },
      timeoutMs,
      200,
    );
    let doubled = 0;
    let outOfOrder = 0;
    let delivered = 0;
    for (const d of w.devices) {
      const ids = d.delivered.map((m) => m.id);
      doubled += ids.length - new Set(ids).size;
      delivered += ids.length;
      const lastSeq = new Map<number, number>();
      for (const m of d.delivered) {
        if ((lastSeq.get(m.chat_id) ?? 0) >= m.seq) outOfOrder++;
        lastSeq.set(m.chat_id, m.seq);
      }
    }
    const out: Reconciliation = {
      sent: stats.sent,
      acked: stats.acked,
      stored: rows.rows.length,
      delivered,
      lost: lostFromDb.length,
      doubled,
      outOfOrder,
    };
    return out;
  } finally {
    await pool.end();
  }
}

/**
 * One fault scenario: a cluster and a world before, teardown after, and one test that runs traffic,
 * lets `inject` do its damage, stops the traffic and reconciles (no loss, no doubles, in order).
 */
export function faultScenario(
  title: string,
  testTitle: string,
  opts: { ownPostgres?: boolean; timeoutMs?: number },
  inject: (c: FaultCluster, w: World) => Promise<void>,
): void {
  describe(title, function () {
    this.timeout(opts.timeoutMs ?? 120_000);
    let c: FaultCluster;
    let w: World;
    before(async () => {
      c = await startFaultCluster({ ownPostgres: opts.ownPostgres });
      w = await buildWorld(c);
    });
    after(async () => {
      w?.close();
      await c?.stop();
    });

    it(testTitle, async () => {
      const traffic = startTraffic(w);
      await new Promise((r) => setTimeout(r, 1000));
      await inject(c, w);
      await new Promise((r) => setTimeout(r, 1000));
      await traffic.stop();
      for (const n of c.nodes) {
        expect(n.proc.exitCode, `node exited:\n${n.logs.slice(-15).join("\n")}`).to.equal(null);
      }
      const r = await reconcile(c, w, traffic.stats, 30_000);
      console.log(`      ${title}: ${JSON.stringify(r)}`);
      expect(traffic.stats.failed, traffic.stats.errors.join("\n")).to.equal(0);
      expect(r).to.include({ lost: 0, doubled: 0, outOfOrder: 0 });
    });
  });
}
