/**
 * `pnpm bench storm` (issue 20, item 3): a reconnect storm. Three nodes (nginx, a private Redis),
 * D devices all connected directly to node A, each a ChatSocket given the list [A, B, C] (half of
 * them [A, C, B], so the failover spreads); a steady send rate in their chats throughout; then
 * node A is SIGKILLed. Per device, the clock runs from the kill to the moment it is connected to a
 * survivor AND caught up by `sync`: it has every message of its chat acked before it reconnected.
 * Reports p50/p99/max of that, the handshakes the survivors shed, their CPU and memory during the
 * storm, and the loss check: every acked message reached every member device exactly once.
 */
import crypto from "node:crypto";
import os from "node:os";
import { parseArgs } from "node:util";
import { ChatSocket, type Message } from "@chat/client";
import type { ConnectErrorData } from "@chat/protocol";
import { DEFAULTS } from "./options.ts";
import { machineCpu, ProcSampler, round, type ProcessFigures } from "./proc-stats.ts";
import { createUsersAndChats, pool, type BenchUser } from "./setup.ts";
import type { Log } from "./start.ts";
import { startTopology, type Topology } from "./topology.ts";

export interface StormOptions {
  /** Devices in all, every one on node A before the kill. @default 2000 */
  devices: number;
  /** Devices per user (users = devices / this). @default 1 */
  devicesPerUser: number;
  /** Members per chat. @default 4 */
  chatSize: number;
  /** Messages per second sent in all, before, during and after the kill. @default 50 */
  rate: number;
  /** Seconds of steady traffic before the kill. @default 5 */
  before: number;
  /** Give up waiting for every device to recover after this long (s). @default 120 */
  maxSeconds: number;
  /** Extra node environment (e.g. HANDSHAKE_MAX_IN_FLIGHT). */
  nodeEnv: Record<string, string>;
  databaseUrl?: string;
  pgDataDir?: string;
  outDir?: string;
}

export const STORM_USAGE = `Usage: pnpm bench storm [options]
  --devices N        devices, all connected directly to node A of 3 (default 2000)
  --per-user N       devices per user (default 1); users are in chats of --chat-size (default 4)
  --rate R           messages/s sent in all, throughout (default 50)
  --before S         seconds of traffic before node A is SIGKILLed (default 5)
  --max-seconds S    how long the devices may take to recover (default 120)
  --env K=V          extra node environment (repeatable), e.g. HANDSHAKE_MAX_IN_FLIGHT=16
  --out DIR          results folder (default bench-results)
Each device is a ChatSocket with the node list [A, B, C] (every other one [A, C, B]).`;

export function parseStormOptions(argv: string[]): StormOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      devices: { type: "string" },
      "per-user": { type: "string" },
      "chat-size": { type: "string" },
      rate: { type: "string" },
      before: { type: "string" },
      "max-seconds": { type: "string" },
      env: { type: "string", multiple: true },
      out: { type: "string" },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected arguments: ${positionals.join(" ")}`);
  const num = (name: string, v: string | undefined, def: number, min: number) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const nodeEnv: Record<string, string> = {};
  for (const kv of values.env ?? []) {
    const i = kv.indexOf("=");
    if (i < 1) throw new Error(`--env wants K=V, got "${kv}"`);
    nodeEnv[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const o: StormOptions = {
    devices: Math.floor(num("devices", values.devices, 2000, 2)),
    devicesPerUser: Math.floor(num("per-user", values["per-user"], 1, 1)),
    chatSize: Math.floor(num("chat-size", values["chat-size"], 4, 2)),
    rate: num("rate", values.rate, 50, 0.1),
    before: num("before", values.before, 5, 0),
    maxSeconds: num("max-seconds", values["max-seconds"], 120, 1),
    nodeEnv,
    outDir: values.out,
  };
  if (Math.floor(o.devices / o.devicesPerUser) < o.chatSize)
    throw new Error("--devices / --per-user must be at least --chat-size users");
  return o;
}

export interface StormResult {
  startedAt: string;
  options: Omit<StormOptions, "databaseUrl" | "pgDataDir" | "outDir">;
  users: number;
  devices: number;
  /** Kill → connected to a survivor and caught up, per device (ms). */
  recovery: { p50: number; p99: number; max: number; recovered: number; notRecovered: number };
  /** Kill → the device saw its connection close (ms). */
  noticed: { p50: number; p99: number; max: number };
  /** Kill → its first reconnection attempt (ms; socket.io-client's jittered delay). */
  firstAttempt: { p50: number; p99: number; max: number };
  /** Kill → connected to a survivor (ms), caught up or not. */
  reconnect: { p50: number; p99: number; max: number };
  /** Failed handshakes per device between the kill and its reconnection, and why they failed. */
  failedAttempts: { p50: number; p99: number; max: number; why: Record<string, number> };
  /** Where the devices landed. */
  landedOn: Record<string, number>;
  /** Handshakes refused `unavailable` (node busy), as the devices saw them and as the survivors counted them. */
  shed: { seenByDevices: number; countedBySurvivors: number | null; admittedBySurvivors: number | null };
  /** Sends: acked, and given up after ChatSocket's deadline (not a loss: never acked). */
  sends: { acked: number; ackedAfterKill: number; unacked: number };
  /** Acked messages × member devices that never got them; deliveries seen twice. */
  loss: { lost: number; doubled: number; ok: boolean };
  /** Survivors (and Redis, PostgreSQL, the client) from the kill until every device recovered. */
  storm: { seconds: number; processes: ProcessFigures[] };
  machine: { cpus: number; busyCores: number; loadavgBefore: number[]; loadavgAfter: number[] };
}

interface Device {
  index: number;
  user: BenchUser;
  socket: ChatSocket;
  /** Message id → deliveries (the "message" events of ChatSocket: in seq order, once each). */
  got: Map<number, number>;
  reconnectedAt?: number;
  /** Highest seq of its chat acked when it reconnected: caught up once it has that. */
  target?: number;
  recoveredAt?: number;
  lastSeq: number;
  /** When it noticed the kill (its disconnect), and its first reconnection attempt. */
  lostAt?: number;
  firstAttemptAt?: number;
  /** Failed handshakes between the kill and its reconnection. */
  attempts: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export async function runStorm(o: StormOptions, log: Log): Promise<StormResult> {
  const startedAt = new Date();
  const runId = `storm${crypto.randomUUID().slice(0, 6)}`;
  const loadavgBefore = os.loadavg();
  const users = Math.floor(o.devices / o.devicesPerUser / o.chatSize) * o.chatSize;
  const topology = await startTopology(
    {
      ...DEFAULTS,
      users,
      nodes: 3,
      databaseUrl: o.databaseUrl,
      pgDataDir: o.pgDataDir,
      nodeEnv: o.nodeEnv,
    },
    runId,
  );
  const devices: Device[] = [];
  let sending = false;
  const closeAll = () => {
    sending = false;
    for (const d of devices) d.socket.close();
  };
  try {
    const [a, b, c] = topology.nodes;
    const survivors = new Set([b.name, c.name]);
    const sampler = new ProcSampler(
      topology.tracked.filter((t) => !(t.kind === "node" && t.name === a.name)),
    );
    sampler.begin();
    const setup = await createUsersAndChats(
      topology.url,
      { users, chatSize: o.chatSize, concurrency: DEFAULTS.setupConcurrency, runId },
      log,
    );
    // Per chat: the highest seq acked so far, and every acked message id.
    const ackedSeq = new Map<number, number>();
    const ackedIds = new Map<number, number[]>();
    let shedSeen = 0;
    const failedAttempts: Record<string, number> = {};
    let killedAt = 0;
    let doubled = 0;
    const caughtUp = (d: Device) => {
      if (d.recoveredAt === undefined && d.target !== undefined && d.lastSeq >= d.target)
        d.recoveredAt = performance.now();
    };
    const order = (index: number) => (index % 2 === 0 ? [a, b, c] : [a, c, b]).map((n) => n.url);
    /** A device's ChatSocket (not connected yet) with the bookkeeping of the run. */
    const open = (d: Device) => {
      const socket = new ChatSocket(order(d.index), {
        token: d.user.token,
        transports: ["websocket"],
        ackTimeout: 10_000,
        sendDeadline: 90_000,
        // Connected below, a few at a time: 2,000 handshakes at once would be a storm of their own.
        ioOptions: { autoConnect: false },
      });
      socket.track(d.user.chatId, 0);
      socket.on("message", (m: Message) => {
        const n = (d.got.get(m.id) ?? 0) + 1;
        d.got.set(m.id, n);
        if (n > 1) doubled++;
        d.lastSeq = Math.max(d.lastSeq, m.seq);
        caughtUp(d);
      });
      socket.on("connected", () => {
        if (!killedAt || d.reconnectedAt !== undefined) return;
        d.reconnectedAt = performance.now();
        d.target = ackedSeq.get(d.user.chatId) ?? 0;
        caughtUp(d);
      });
      socket.socket.on("disconnect", () => {
        if (killedAt && d.lostAt === undefined) d.lostAt = performance.now();
      });
      socket.socket.io.on("reconnect_attempt", () => {
        if (killedAt && d.firstAttemptAt === undefined) d.firstAttemptAt = performance.now();
      });
      socket.socket.on("connect_error", (err: Error & { data?: ConnectErrorData }) => {
        if (!killedAt || d.reconnectedAt !== undefined) return;
        d.attempts++;
        const why = err.data?.code ?? err.message;
        failedAttempts[why] = (failedAttempts[why] ?? 0) + 1;
        if (err.data?.code === "unavailable") shedSeen++;
      });
      d.socket = socket;
    };
    for (const user of setup.users) {
      for (let k = 0; k < o.devicesPerUser; k++) {
        const d = { index: devices.length, user, got: new Map(), lastSeq: 0, attempts: 0 } as Omit<
          Device,
          "socket"
        >;
        open(d as Device);
        devices.push(d as Device);
      }
    }

    // Everyone on node A. A handshake A sheds makes ChatSocket try the next node: such a device
    // starts again with a new socket, until it is on A.
    await pool(
      devices.length,
      16,
      async (i) => {
        const d = devices[i];
        for (;;) {
          const ready = d.socket.ready();
          d.socket.socket.connect();
          await ready;
          if (d.socket.url === a.url) return;
          d.socket.close();
          open(d);
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
        }
      },
      (done) => log(`connecting to ${a.name}: ${done}/${devices.length}`),
    );
    log(`${devices.length} devices on ${a.name}`);

    // The steady traffic: one send every 1/rate s from the next device, all through the run.
    let acked = 0;
    let ackedAfterKill = 0;
    let unacked = 0;
    const sendsInFlight = new Set<Promise<void>>();
    sending = true;
    const sender = (async () => {
      const every = 1000 / o.rate;
      let next = performance.now();
      for (let k = 0; sending; k++) {
        const d = devices[(k * 7919) % devices.length]; // a stride, so consecutive senders differ
        const p = d.socket
          .send(d.user.chatId, `storm ${k}`)
          .then(({ message }) => {
            acked++;
            if (killedAt) ackedAfterKill++;
            ackedSeq.set(message.chat_id, Math.max(ackedSeq.get(message.chat_id) ?? 0, message.seq));
            const ids = ackedIds.get(message.chat_id) ?? [];
            ids.push(message.id);
            ackedIds.set(message.chat_id, ids);
          })
          .catch(() => void unacked++)
          .finally(() => sendsInFlight.delete(p));
        sendsInFlight.add(p);
        next += every;
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
    })();
    await new Promise((r) => setTimeout(r, o.before * 1000));

    log(`SIGKILL ${a.name} (${acked} messages acked so far)`);
    sampler.mark();
    const cpuBefore = machineCpu();
    killedAt = performance.now();
    process.kill(a.pid, "SIGKILL");
    const deadline = killedAt + o.maxSeconds * 1000;
    for (
      let tick = 1;
      performance.now() < deadline && devices.some((d) => d.recoveredAt === undefined);
      tick++
    ) {
      await new Promise((r) => setTimeout(r, 250));
      const n = devices.filter((d) => d.recoveredAt !== undefined).length;
      if (tick % 4 === 0)
        log(`recovered ${n}/${devices.length} after ${((performance.now() - killedAt) / 1000).toFixed(1)} s`);
    }
    const processes = sampler.finish();
    const stormSeconds = (performance.now() - killedAt) / 1000;
    const cpuAfter = machineCpu();

    // Stop sending, let every send settle, then give every device time to hear of the last ones.
    sending = false;
    await sender;
    await Promise.allSettled([...sendsInFlight]);
    const missing = () => {
      let lost = 0;
      for (const d of devices) for (const id of ackedIds.get(d.user.chatId) ?? []) if (!d.got.has(id)) lost++;
      return lost;
    };
    const settle = performance.now() + 30_000;
    while (missing() > 0 && performance.now() < settle) await new Promise((r) => setTimeout(r, 250));
    const lost = missing();

    const shedMetrics = await scrapeHandshakes(topology, survivors);
    const recovered = devices.filter((d) => d.recoveredAt !== undefined);
    const recovery = recovered.map((d) => d.recoveredAt! - killedAt).sort((x, y) => x - y);
    const reconnect = devices
      .filter((d) => d.reconnectedAt !== undefined)
      .map((d) => d.reconnectedAt! - killedAt)
      .sort((x, y) => x - y);
    const spread = (times: Array<number | undefined>) => {
      const t = times
        .filter((x): x is number => x !== undefined)
        .map((x) => x - killedAt)
        .sort((x, y) => x - y);
      return {
        p50: round(percentile(t, 50), 0),
        p99: round(percentile(t, 99), 0),
        max: round(t.at(-1) ?? 0, 0),
      };
    };
    const attempts = devices.map((d) => d.attempts).sort((x, y) => x - y);
    const landedOn: Record<string, number> = {};
    for (const d of devices) {
      const node = topology.nodes.find((n) => n.url === d.socket.url)?.name ?? d.socket.url;
      const key = d.socket.socket.connected ? node : "not connected";
      landedOn[key] = (landedOn[key] ?? 0) + 1;
    }
    return {
      startedAt: startedAt.toISOString(),
      options: {
        ...o,
        databaseUrl: undefined,
        pgDataDir: undefined,
        outDir: undefined,
      } as StormResult["options"],
      users,
      devices: devices.length,
      recovery: {
        p50: round(percentile(recovery, 50), 0),
        p99: round(percentile(recovery, 99), 0),
        max: round(recovery.at(-1) ?? 0, 0),
        recovered: recovered.length,
        notRecovered: devices.length - recovered.length,
      },
      noticed: spread(devices.map((d) => d.lostAt)),
      firstAttempt: spread(devices.map((d) => d.firstAttemptAt)),
      reconnect: {
        p50: round(percentile(reconnect, 50), 0),
        p99: round(percentile(reconnect, 99), 0),
        max: round(reconnect.at(-1) ?? 0, 0),
      },
      landedOn,
      failedAttempts: {
        p50: percentile(attempts, 50),
        p99: percentile(attempts, 99),
        max: attempts.at(-1) ?? 0,
        why: failedAttempts,
      },
      shed: {
        seenByDevices: shedSeen,
        countedBySurvivors: shedMetrics?.shed ?? null,
        admittedBySurvivors: shedMetrics?.admitted ?? null,
      },
      sends: { acked, ackedAfterKill, unacked },
      loss: { lost, doubled, ok: lost === 0 && doubled === 0 },
      storm: { seconds: round(stormSeconds, 1), processes },
      machine: {
        cpus: os.cpus().length,
        busyCores: round((cpuAfter.busy - cpuBefore.busy) / Math.max(0.001, stormSeconds), 2),
        loadavgBefore: loadavgBefore.map((l) => round(l, 2)),
        loadavgAfter: os.loadavg().map((l) => round(l, 2)),
      },
    };
  } finally {
    closeAll();
    await topology.stop();
  }
}

/** chat_handshakes_total of the survivors, summed (null if a scrape failed). */
async function scrapeHandshakes(t: Topology, names: Set<string>) {
  try {
    let admitted = 0;
    let shed = 0;
    for (const n of t.nodes.filter((x) => names.has(x.name))) {
      const text = await (await fetch(`${n.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      const get = (outcome: string) =>
        Number(
          new RegExp(`^chat_handshakes_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, "m").exec(
            text,
          )?.[1] ?? NaN,
        );
      admitted += get("admitted");
      shed += get("shed");
    }
    return Number.isFinite(admitted + shed) ? { admitted, shed } : null;
  } catch {
    return null;
  }
}
