/**
 * Hostile input, property-based (fast-check): every REST route of packages/protocol's table and
 * every client socket event, fed wrong types, missing and extra fields, huge strings, deep
 * nesting, invalid UTF-8, bad ids and prototype-pollution keys. Every case must be answered with
 * a 4xx (REST) or an error ack (socket): never a 5xx, a hang, a crash, a dropped socket, a stored
 * or changed row, or a polluted Object.prototype. Cases that are valid by chance (the same zod
 * schemas say so) are left out. Oversized socket frames are refused by size.
 */
import { expect } from "chai";
import fc from "fast-check";
import request from "supertest";
import {
  errorCatalogue,
  routes,
  clientEvents,
  type Ack,
  type ErrorCode,
  type RouteDef,
  type RouteName,
} from "@chat/protocol";
import type { ChatSocket } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { eventually } from "../support/wait.ts";
import { RawHttp, type RawResponse } from "./support/raw-http.ts";
import { DbProbe, type DbState } from "./support/db-state.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { connect, openSocket } from "./support/sockets.ts";
import { restCases, type RestCase, type RestWorld } from "./hostile/rest-cases.ts";
import { EVENT_NAMES, socketCases, unknownEventCases, type SocketCase } from "./hostile/socket-cases.ts";
import { POLLUTION_MARK } from "./hostile/values.ts";
import { KIND_NAMES, kindsOf } from "./hostile/categories.ts";
import { readyFile } from "../support/attachments.ts";
import { tinyPng } from "../support/images.ts";

/** Cases per route with inputs, per route without, per socket event. Total ≥ 10,000. */
// Routes with inputs run 440 each: /history and /message/read moved to the origin table (their hostile cases: test/origin/).
const RUNS = { route: 440, bare: 64, event: 560, unknown: 320 };
const BATCH = 8;
const MIN_TOTAL = 10_000;

function describeCase(c: RestCase, res?: RawResponse): string {
  const got = res ? ` → ${res.status} ${res.text.slice(0, 300)}` : "";
  return `${c.method} ${c.path.slice(0, 160)} [${c.what.join("; ")}]${got}`;
}

/** A 4xx whose body is a catalogue error of that status (Node's own 400/431 have no JSON). */
function expectRefused(c: RestCase, res: RawResponse): void {
  if (res.status < 400 || res.status >= 500) throw new Error(`not a 4xx: ${describeCase(c, res)}`);
  if (res.json === undefined && (res.status === 431 || res.status === 400)) return;
  const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
  const entry = code === undefined ? undefined : errorCatalogue[code as ErrorCode];
  if (!entry || entry.status !== res.status) {
    throw new Error(`not a catalogue error of its status: ${describeCase(c, res)}`);
  }
}

type AckFn = (...args: unknown[]) => Promise<Ack<unknown>>;

describe("hostile input (fast-check): REST and socket", function () {
  this.timeout(120_000);
  let node: TestNode;
  let db: DbProbe;
  let raw: RawHttp;
  let owner: TestUser;
  let sock: ChatSocket;
  let world: RestWorld;
  let initial: DbState;
  let protoBefore: string[];
  const ran = { rest: 0, socket: 0, skipped: 0 };
  const perTarget: Record<string, number> = {};
  const tally = (target: string, n: number) => (perTarget[target] = (perTarget[target] ?? 0) + n);
  const perKind: Record<string, number> = {};
  const tallyKinds = (cases: Array<{ what: string[] }>) => {
    for (const c of cases) for (const k of kindsOf(c.what)) perKind[k] = (perKind[k] ?? 0) + 1;
  };

  before(async () => {
    node = await startTestNode();
    owner = await createUser(node.url, "Fuzz");
    const member = await createUser(node.url, "Member");
    const stranger = await createUser(node.url, "Stranger");
    const chatId = await createGroup(node.url, owner, [member], "fuzz");
    const sent = await request(node.url)
      .post(`/api/v1/chats/${chatId}/messages`)
      .set(owner.auth)
      .send({ client_id: crypto.randomUUID(), text: "first" })
      .expect(201);
    world = {
      token: owner.token,
      email: owner.email,
      chatId,
      messageId: sent.body.message.id,
      memberId: member.id,
      strangerId: stranger.id,
      attachmentId: await readyFile(node.url, owner, {
        name: "f.png",
        mime: "image/png",
        bytes: await tinyPng(),
      }),
    };
    raw = new RawHttp(node.url);
    db = new DbProbe(node.databaseUrl);
    sock = await connect(node.url, owner.token);
    initial = await db.state();
    protoBefore = Object.getOwnPropertyNames(Object.prototype);
  });

  after(async () => {
    sock?.close();
    raw?.close();
    await db?.close();
    await node?.close();
    const list = (o: Record<string, number>) =>
      Object.entries(o)
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ");
    console.log(
      `      hostile input: ${ran.rest} REST + ${ran.socket} socket = ${ran.rest + ran.socket} cases ` +
        `(${ran.skipped} valid-by-chance skipped)\n      per target: ${list(perTarget)}` +
        `\n      per kind: ${list(perKind)}`,
    );
  });

  /** Valid-by-chance cases are counted and left out (they are not hostile). */
  const hostile = <C extends { valid: boolean }>(c: C) => {
    if (c.valid) ran.skipped++;
    return !c.valid;
  };
  /** Cases go in batches of BATCH at once: the node answers them concurrently, as it would in life. */
  const batches = <C>(arb: fc.Arbitrary<C>) => fc.array(arb, { minLength: BATCH, maxLength: BATCH });

  describe("REST: every route of the table", () => {
    for (const name of Object.keys(routes) as RouteName[]) {
      const def: RouteDef = routes[name];
      const bare = !def.params && !def.query && !def.body;
      it(`${def.method.toUpperCase()} ${def.path}: refused with a 4xx, nothing stored`, async () => {
        const label = `${def.method.toUpperCase()} ${def.path}`;
        const start = await db.state();
        await fc.assert(
          fc.asyncProperty(batches(restCases(name, world).filter(hostile)), async (cases) => {
            const answers = await Promise.all(
              cases.map((c) =>
                raw.send({ method: c.method, path: c.path, headers: c.headers, body: c.body }),
              ),
            );
            ran.rest += cases.length;
            tally(label, cases.length);
            tallyKinds(cases);
            cases.forEach((c, i) => expectRefused(c, answers[i]));
          }),
          { numRuns: Math.ceil((bare ? RUNS.bare : RUNS.route) / BATCH) },
        );
        expect(await db.state()).to.deep.equal(start);
      });
    }
  });

  describe("socket: every client event on one connected socket", () => {
    const emit = async (c: SocketCase) => {
      const what = `${c.event} [${c.what.join("; ")}]`;
      const ack = await (sock.socket.timeout(5000).emitWithAck as unknown as AckFn)(c.event, ...c.args).catch(
        (err: Error) => {
          throw new Error(`no ack (${err.message}) for ${what}; connected: ${sock.socket.connected}`);
        },
      );
      const code = ack.ok ? undefined : ack.error.code;
      const entry = code === undefined ? undefined : errorCatalogue[code];
      if (!entry || entry.status >= 500) {
        throw new Error(`not an error ack: ${what} → ${JSON.stringify(ack).slice(0, 300)}`);
      }
    };
    const emitAll = async (cases: SocketCase[]) => {
      await Promise.all(cases.map(emit));
      ran.socket += cases.length;
      tallyKinds(cases);
      for (const c of cases) tally(Object.hasOwn(clientEvents, c.event) ? c.event : "unknown events", 1);
      if (!sock.socket.connected) {
        throw new Error(`socket dropped after ${cases.map((c) => c.what.join("; ")).join(" | ")}`);
      }
    };

    for (const event of EVENT_NAMES) {
      it(`${event}: an error ack, the socket stays, nothing stored`, async () => {
        const start = await db.state();
        await fc.assert(fc.asyncProperty(batches(socketCases(event, world).filter(hostile)), emitAll), {
          numRuns: Math.ceil(RUNS.event / BATCH),
        });
        expect(await db.state()).to.deep.equal(start);
      });
    }

    it("unknown events (also `constructor`, `__proto__`, `toString`): an error ack", async () => {
      await fc.assert(fc.asyncProperty(batches(unknownEventCases.filter(hostile)), emitAll), {
        numRuns: Math.ceil(RUNS.unknown / BATCH),
      });
    });
  });

  describe("oversized socket frames (> 64 KB)", () => {
    const big = () => ({ chat_id: world.chatId, client_id: crypto.randomUUID(), text: "x".repeat(70_000) });
    const cases: Array<[string, "websocket" | "polling", () => unknown]> = [
      ["a 70 KB text frame over websocket", "websocket", big],
      [
        "a 100 KB binary attachment over websocket",
        "websocket",
        () => ({ ...big(), text: Buffer.alloc(100_000) }),
      ],
      ["a 70 KB frame over HTTP long-polling", "polling", big],
    ];
    for (const [title, transport, payload] of cases) {
      it(`${title}: the connection is dropped, nothing stored, the node still serves`, async () => {
        const s = openSocket(node.url, owner.token, { transports: [transport] });
        try {
          await s.ready();
          const dropped = new Promise<string>((r) => s.socket.once("disconnect", (reason) => r(reason)));
          let acked = false;
          (s.socket.emit as (...a: unknown[]) => void)("message:send", payload(), () => (acked = true));
          expect(await dropped).to.match(/transport (close|error)/);
          expect(acked).to.equal(false);
        } finally {
          s.close();
        }
        expect(await db.state()).to.deep.equal(initial);
        await request(node.url).get("/healthz").expect(200);
        const again = await connect(node.url, owner.token, { transports: [transport] });
        try {
          const out = await again.request("sync", { chats: [{ chat_id: world.chatId, after_seq: 0 }] });
          expect(out.chats[0].messages.map((m) => m.text)).to.deep.equal(["first"]);
        } finally {
          again.close();
        }
      });
    }
  });

  // Mocha runs a suite's own tests before its nested suites: this one lives in the last suite.
  describe("after all of it", () => {
    it(`ran at least ${MIN_TOTAL} cases; no row stored or changed; Object.prototype untouched`, async () => {
      expect(ran.rest + ran.socket).to.be.at.least(MIN_TOTAL);
      // Every kind of hostility the generators know was actually sent, and not just once.
      for (const kind of KIND_NAMES) expect(perKind[kind] ?? 0, kind).to.be.at.least(50);
      expect(await db.state()).to.deep.equal(initial);
      expect(Object.getOwnPropertyNames(Object.prototype)).to.deep.equal(protoBefore);
      expect(({} as Record<string, unknown>)[POLLUTION_MARK]).to.equal(undefined);
      await eventually(() => expect(sock.socket.connected).to.equal(true));
    });
  });
});
