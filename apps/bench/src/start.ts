/** The start of a run: its id and user count, the log it reports progress to, and the users and chats created over REST. */
import os from "node:os";
import type { BenchOptions } from "./options.ts";
import { createUsersAndChats, type BenchChat, type BenchUser } from "./setup.ts";
import type { Topology } from "./topology.ts";

export type Log = (line: string) => void;

export interface Start {
  startedAt: Date;
  runId: string;
  loadavgBefore: number[];
  /** Users actually created: o.users rounded down to a multiple of the chat size. */
  users: number;
}

export function begin(o: BenchOptions, log: Log): Start {
  const startedAt = new Date();
  const runId = `${startedAt.getTime().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const loadavgBefore = os.loadavg();
  const users = Math.floor(o.users / o.chatSize) * o.chatSize;
  if (users !== o.users) log(`users rounded down to ${users} (a multiple of the chat size ${o.chatSize})`);
  const what = o.baseline
    ? "the baseline fan-out server"
    : o.nodes === 1 && o.nodeCpu === undefined
      ? "1 node"
      : `${o.nodes} node${o.nodes === 1 ? "" : "s"} + nginx + Redis${o.nodeCpu !== undefined ? `, each in a cgroup of ${o.nodeCpu} CPU` : ""}`;
  log(`starting ${what}…`);
  return { startedAt, runId, loadavgBefore, users };
}

export interface SetUp {
  people: BenchUser[];
  chats: BenchChat[];
  seconds: number;
}

export async function setUp(o: BenchOptions, start: Start, topology: Topology, log: Log): Promise<SetUp> {
  const started = performance.now();
  const { users: people, chats } = await createUsersAndChats(
    topology.url,
    {
      users: start.users,
      chatSize: o.chatSize,
      concurrency: o.setupConcurrency,
      runId: start.runId,
      encrypted: o.encrypted,
    },
    log,
  );
  return { people, chats, seconds: (performance.now() - started) / 1000 };
}
