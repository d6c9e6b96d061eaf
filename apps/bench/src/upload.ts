/**
 * `pnpm bench upload` (issue 16): files of several sizes from N users at once, through one node or
 * two (nodes sharing one filesystem folder, as a volume; users split over the nodes, so the other
 * members hear of each file on the other node through Redis). Each upload is what the web client
 * does: ask (POST /attachments), PUT the bytes to the link, complete, send a message carrying the
 * file; the clock runs from the ask to the moment the last other member's socket has the message.
 * Reports MB/s per size, that time's percentiles, and each node's peak RSS.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ApiClient, ChatSocket } from "@chat/client";
import { histogram, record, summarize, type Histogram, type LatencySummary } from "./latency.ts";
import { machineCpu, ProcSampler, round, type ProcessFigures } from "./proc-stats.ts";
import { createUsersAndChats, pool } from "./setup.ts";
import type { Log } from "./start.ts";
import { startTopology } from "./topology.ts";
import { DEFAULTS } from "./options.ts";
import { ms } from "./report.ts";

/** The server's default MAX_UPLOAD_BYTES (25 MiB): "the limit" of the issue. */
const DEFAULT_LIMIT = 26_214_400;

export interface UploadOptions {
  users: number;
  /** Members per chat (each file reaches chatSize − 1 others). @default 4 */
  chatSize: number;
  nodes: number;
  /** Bytes per file size step. @default 100 kB, 5 MB, the limit */
  sizes: number[];
  /** Files per user at each size (same length as sizes). @default 10, 3, 1 */
  filesPerUser: number[];
  /** The nodes' MAX_UPLOAD_BYTES (the largest size must fit). */
  limit: number;
  databaseUrl?: string;
  pgDataDir?: string;
  outDir?: string;
}

export const UPLOAD_USAGE = `Usage: pnpm bench upload [options]
  --users N          users uploading at once (default 8), in chats of --chat-size (default 4)
  --nodes N          1 (the node alone) or more (nginx + Redis; users split over the nodes; default 1)
  --sizes A,B,…      file sizes: bytes, or with k/m (1000s), or "limit" (default 100k,5m,limit)
  --files A,B,…      files per user at each size (default 10,3,1)
  --limit BYTES      the nodes' MAX_UPLOAD_BYTES (default 26214400, the server's default)
  --out DIR          results folder (default bench-results)
Storage: the filesystem driver, one folder shared by the nodes (S3 is not benched: see docs/performance.md).`;

function parseSize(s: string, limit: number): number {
  if (s === "limit") return limit;
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s);
  if (!m) throw new Error(`--sizes: "${s}" is not a size`);
  const mult = { "": 1, k: 1000, m: 1_000_000 }[m[2].toLowerCase() as "" | "k" | "m"];
  return Math.round(Number(m[1]) * mult);
}

export function parseUploadOptions(argv: string[]): UploadOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: "string" },
      "chat-size": { type: "string" },
      nodes: { type: "string" },
      sizes: { type: "string" },
      files: { type: "string" },
      limit: { type: "string" },
      out: { type: "string" },
    },
  });
  const int = (name: string, v: string | undefined, def: number, min: number) => {
    const n = v === undefined ? def : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  const limit = int("limit", values.limit, DEFAULT_LIMIT, 1);
  const sizes = (values.sizes ?? "100k,5m,limit").split(",").map((s) => parseSize(s.trim(), limit));
  const files = (values.files ?? "10,3,1").split(",").map((f) => int("files", f.trim(), 1, 1));
  if (files.length !== sizes.length) throw new Error("--files needs one count per size");
  if (sizes.some((s) => s < 1 || s > limit)) throw new Error("every size must be 1 … --limit bytes");
  const o: UploadOptions = {
    users: int("users", values.users, 8, 2),
    chatSize: int("chat-size", values["chat-size"], 4, 2),
    nodes: int("nodes", values.nodes, 1, 1),
    sizes,
    filesPerUser: files,
    limit,
    outDir: values.out,
  };
  if (o.users < o.chatSize) throw new Error("--users must be at least --chat-size");
  return o;
}

interface UploadStep {
  size: number;
  files: number;
  bytes: number;
  seconds: number;
  /** Bytes uploaded per second over the step, in MB (10⁶ bytes). */
  mbPerSec: number;
  /** From "upload asked" to the message delivered to every other member, ms. */
  delivered: LatencySummary;
  /** From "upload asked" to the completion's answer, ms. */
  uploaded: LatencySummary;
  /** The three requests of an upload, ms: the ask, the PUT of the bytes, the completion (checks). */
  phases: { ask: LatencySummary; put: LatencySummary; complete: LatencySummary };
  failures: number;
}

interface UploadResult {
  startedAt: string;
  options: Omit<UploadOptions, "databaseUrl" | "pgDataDir" | "outDir">;
  storage: "filesystem";
  steps: UploadStep[];
  processes: ProcessFigures[];
  /** Each node's resident memory before the first measured upload, MB. */
  nodeRssBeforeMB: Record<string, number>;
  /** Cores busy on average over the measured steps, and how many of them by processes outside this run. */
  machine: { cpus: number; busyCores: number; otherCores: number; loadavg: number[] };
  /** Every file's message reached every other member exactly once. */
  lost: number;
}

interface Member {
  index: number;
  token: string;
  chatId: number;
  url: string;
  socket: ChatSocket;
  api: ApiClient;
}

export async function runUploadBench(o: UploadOptions, log: Log): Promise<UploadResult> {
  const runId = crypto.randomUUID().slice(0, 8);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-bench-files-"));
  const topology = await startTopology(
    {
      ...DEFAULTS,
      scenario: "closed",
      users: o.users,
      nodes: o.nodes,
      databaseUrl: o.databaseUrl,
      pgDataDir: o.pgDataDir,
      nodeEnv: { STORAGE_DRIVER: "filesystem", DATA_DIR: dataDir, MAX_UPLOAD_BYTES: String(o.limit) },
    },
    runId,
  );
  const sockets: ChatSocket[] = [];
  try {
    const { users } = await createUsersAndChats(
      topology.url,
      { users: o.users, chatSize: o.chatSize, concurrency: 16, runId },
      log,
    );
    // User u talks to node u mod N directly: half of every chat's members are on the other node.
    const members: Member[] = users.map((u) => {
      const url = topology.nodes[u.index % topology.nodes.length].url;
      const socket = new ChatSocket(url, { token: u.token, ackTimeout: 10_000, sendDeadline: 60_000 });
      sockets.push(socket);
      // From the chat's start: messages of several senders may reach a socket out of order.
      socket.track(u.chatId, 0);
      return {
        index: u.index,
        token: u.token,
        chatId: u.chatId,
        url,
        socket,
        api: new ApiClient(url, { token: u.token }),
      };
    });
    await Promise.all(
      members.map(
        (m) =>
          new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error("a socket did not connect in 20 s")), 20_000);
            m.socket.on("connected", () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    log(`${members.length} users connected over ${topology.nodes.length} node(s)`);

    // client_id → members still to hear of it, and when the upload was asked for.
    const waiting = new Map<string, { left: Set<number>; asked: number; done: (ms: number) => void }>();
    for (const m of members) {
      m.socket.on("message", (msg) => {
        const w = waiting.get(msg.client_id);
        if (!w || !w.left.delete(m.index)) return;
        if (w.left.size === 0) {
          waiting.delete(msg.client_id);
          w.done(performance.now() - w.asked);
        }
      });
    }

    // Warm-up (not measured): one small file per user, so the first step does not time JIT and pools.
    const warm = crypto.randomBytes(Math.min(10_000, o.limit));
    await Promise.all(members.map((m) => uploadOne(m, warm, "warm-up.bin")));
    const startedAt = new Date().toISOString();
    const sampler = new ProcSampler(topology.tracked);
    sampler.begin(200);
    sampler.mark();
    const nodeRssBeforeMB = Object.fromEntries(
      topology.nodes.map((n) => [n.name, round(sampler.rssKB(n.name) / 1024, 1)]),
    );
    const cpu0 = machineCpu();
    const t0 = performance.now();
    const steps: UploadStep[] = [];
    let lost = 0;
    for (const [k, size] of o.sizes.entries()) {
      const perUser = o.filesPerUser[k];
      const bytes = crypto.randomBytes(size);
      const delivered = histogram();
      const uploaded = histogram();
      const phases = { ask: histogram(), put: histogram(), complete: histogram() };
      let failures = 0;
      const started = performance.now();
      await pool(members.length, members.length, async (i) => {
        const m = members[i];
        const others = members.filter((x) => x.chatId === m.chatId && x !== m).map((x) => x.index);
        for (let f = 0; f < perUser; f++) {
          const clientId = crypto.randomUUID();
          const asked = performance.now();
          const arrived = new Promise<number>((resolve) =>
            waiting.set(clientId, { left: new Set(others), asked, done: resolve }),
          );
          try {
            const id = await uploadOne(m, bytes, `bench-${size}-${f}.bin`, phases);
            record(uploaded, performance.now() - asked);
            await m.socket.send(m.chatId, "", clientId, { attachmentIds: [id] });
            const ms = await Promise.race([
              arrived,
              new Promise<number>((_, rej) =>
                setTimeout(() => rej(new Error("not delivered in 30 s")), 30_000),
              ),
            ]);
            record(delivered, ms);
          } catch (err) {
            failures++;
            waiting.delete(clientId);
            if (failures <= 3) log(`upload failed: ${(err as Error).message}`);
            if ((err as Error).message.startsWith("not delivered")) lost++;
          }
        }
      });
      const seconds = (performance.now() - started) / 1000;
      const files = members.length * perUser - failures;
      const step: UploadStep = {
        size,
        files,
        bytes: files * size,
        seconds: round(seconds, 2),
        mbPerSec: round((files * size) / 1e6 / seconds, 1),
        delivered: summarize(delivered),
        uploaded: summarize(uploaded),
        phases: {
          ask: summarize(phases.ask),
          put: summarize(phases.put),
          complete: summarize(phases.complete),
        },
        failures,
      };
      steps.push(step);
      log(
        `${sizeLabel(size)}: ${files} files in ${step.seconds} s, ${step.mbPerSec} MB/s, delivered p99 ${step.delivered.p99} ms`,
      );
    }
    const processes = sampler.finish();
    const window = (performance.now() - t0) / 1000;
    const cpu1 = machineCpu();
    const busyCores = (cpu1.busy - cpu0.busy) / window;
    const ours = processes.reduce((s, p) => s + p.cpuSeconds, 0) / window;
    return {
      startedAt,
      options: {
        users: o.users,
        chatSize: o.chatSize,
        nodes: o.nodes,
        sizes: o.sizes,
        filesPerUser: o.filesPerUser,
        limit: o.limit,
      },
      storage: "filesystem",
      steps,
      processes,
      nodeRssBeforeMB,
      machine: {
        cpus: os.cpus().length,
        busyCores: round(busyCores, 2),
        otherCores: round(Math.max(0, busyCores - ours), 2),
        loadavg: os.loadavg().map((l) => round(l, 2)),
      },
      lost,
    };
  } finally {
    for (const s of sockets) s.close();
    await topology.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Ask, PUT the bytes where told, complete: the attachment id. */
async function uploadOne(
  m: Member,
  bytes: Buffer,
  name: string,
  phases?: Record<"ask" | "put" | "complete", Histogram>,
): Promise<string> {
  let t = performance.now();
  const lap = (h: keyof NonNullable<typeof phases>) => {
    const now = performance.now();
    if (phases) record(phases[h], now - t);
    t = now;
  };
  const asked = await m.api.call("createUpload", {
    body: { name, size: bytes.length, mime: "application/octet-stream" },
  });
  lap("ask");
  const put = await fetch(new URL(asked.upload.url, m.url), {
    method: asked.upload.method,
    headers: asked.upload.headers,
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  if (!put.ok) throw new Error(`PUT ${put.status}`);
  await put.arrayBuffer();
  lap("put");
  await m.api.call("completeUpload", { params: { attachment_id: asked.id } });
  lap("complete");
  return asked.id;
}

function sizeLabel(b: number): string {
  if (b >= 1_000_000) return `${round(b / 1_000_000, 1)} MB`;
  if (b >= 1000) return `${round(b / 1000, 1)} kB`;
  return `${b} B`;
}

export function uploadMarkdown(r: UploadResult): string {
  const nodes = r.processes.filter((p) => p.kind === "node");
  return [
    `# pnpm bench upload — ${r.startedAt}`,
    "",
    `${r.options.users} users in chats of ${r.options.chatSize}, ${r.options.nodes} node(s), ${r.storage} storage, limit ${r.options.limit} bytes.`,
    "",
    "| size | files | MB/s | ask / PUT / complete p50 (ms) | asked → completed p50 / p99 (ms) | asked → delivered to the others p50 / p99 (ms) | failed |",
    "| ---- | ----- | ---- | ----------------------------- | -------------------------------- | ---------------------------------------------- | ------ |",
    ...r.steps.map(
      (s) =>
        `| ${sizeLabel(s.size)} | ${s.files} | ${s.mbPerSec} | ${ms(s.phases.ask.p50)} / ${ms(s.phases.put.p50)} / ${ms(s.phases.complete.p50)} | ${ms(s.uploaded.p50)} / ${ms(s.uploaded.p99)} | ${ms(s.delivered.p50)} / ${ms(s.delivered.p99)} | ${s.failures} |`,
    ),
    "",
    `Node RSS before → peak: ${nodes.map((n) => `${n.name} ${r.nodeRssBeforeMB[n.name]} → ${n.peakRssMB} MB`).join(", ")}. Messages not delivered: ${r.lost}.`,
    `Machine: ${r.machine.cpus} cores, ${r.machine.busyCores} busy on average during the steps, ${r.machine.otherCores} of them by processes outside this run (load average ${r.machine.loadavg.join(" ")}).`,
    "",
  ].join("\n");
}
