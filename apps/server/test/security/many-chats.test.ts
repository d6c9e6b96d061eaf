/**
 * A user in 3,000 chats (issue 20, item 4): every answer stays within ANSWER_MAX_BYTES (plus one
 * row) however many chats there are — `sync {}` counts each chat's entry and read cursors, not only
 * its messages — and says there is more; `sync` pages its chats' messages in one query, not one per
 * chat; a client catches up on every chat through those pages; the socket is in every chat's room.
 * The chats are written by SQL (three statements) to keep the setup fast.
 */
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import type { ChatSocket } from "@chat/client";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { delivered } from "../cluster/devices.ts";
import { eventually } from "../support/wait.ts";
import { connect } from "./support/sockets.ts";

const CHATS = 3000;
/** A budget the 3,000 chats' entries alone overflow many times (4 cursors each). */
const BUDGET = 65_536;
/** "Exceeded by at most one row": a chat list row or a message of this test is well under 2 KB. */
const ONE_ROW = 2048;

describe("a user in 3,000 chats: bounded answers", function () {
  this.timeout(30_000);
  let node: TestNode;
  let me: TestUser;
  let chatIds: number[];
  const sockets: ChatSocket[] = [];

  before(async () => {
    node = await startTestNode({ ANSWER_MAX_BYTES: String(BUDGET) });
    me = await createUser(node.url, "many");
    const peers = await Promise.all(["p1", "p2", "p3"].map((n) => createUser(node.url, n)));
    const db = new pg.Client({ connectionString: node.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO chats (type, name, owner_id, last_seq, activity_at)
         SELECT 'group', 'chat ' || g, $1, 1, now() - g * interval '1 second' FROM generate_series(1, $2::int) g
         RETURNING id`,
        [me.id, CHATS],
      );
      chatIds = rows.map((r) => r.id);
      await db.query(
        `INSERT INTO chat_members (chat_id, user_id, role)
         SELECT c, u, (CASE WHEN u = $3 THEN 'owner' ELSE 'member' END)::"MemberRole"
           FROM unnest($1::int[]) c, unnest($2::int[]) u`,
        [chatIds, [me.id, ...peers.map((p) => p.id)], me.id],
      );
      await db.query(
        `INSERT INTO messages (chat_id, seq, sender_id, client_id, text)
         SELECT c, 1, $2, gen_random_uuid(), 'one unread message' FROM unnest($1::int[]) c`,
        [chatIds, peers[0].id],
      );
    } finally {
      await db.end();
    }
  });
  after(async () => {
    for (const s of sockets) s.close();
    await node?.close();
  });

  /** Counts the node's queries that read messages while `fn` runs (background polls read none). */
  async function queriesDuring<T>(fn: () => Promise<T>): Promise<{ out: T; queries: number }> {
    const pool = node.db.pool;
    const query = pool.query;
    let queries = 0;
    pool.query = function (this: pg.Pool, ...args: unknown[]) {
      const sql = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string }).text;
      if (/\bFROM messages\b/.test(sql ?? "")) queries++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pool.query;
    try {
      return { out: await fn(), queries };
    } finally {
      pool.query = query;
    }
  }

  it("sync {} stays within the byte budget (entries and read cursors count) and reads messages in one query", async () => {
    const s = await connect(node.url, me.token);
    sockets.push(s);
    const { out, queries } = await queriesDuring(() => s.request("sync", {}));
    const bytes = Buffer.byteLength(JSON.stringify(out));
    expect(bytes).to.be.at.most(BUDGET + ONE_ROW);
    expect(out.has_more).to.equal(true);
    expect(out.chats.length).to.be.within(1, CHATS - 1);
    for (const c of out.chats) {
      expect(c.read_cursors).to.have.length(4);
      // A chat in the answer either brought its message or says it has more.
      expect(c.messages.length === 1 || c.has_more, `chat ${c.chat_id}`).to.equal(true);
    }
    // One query reads every chat's new messages (it was one per chat: a hundred here).
    expect(queries).to.equal(1);
  });

  it("a client catches up on every one of the 3,000 chats through the pages", async () => {
    const s = await connect(node.url, me.token);
    sockets.push(s);
    const got = delivered(s);
    for (const id of chatIds) s.track(id, 0);
    await s.resync();
    expect(new Set(got.map((m) => m.chat_id)).size).to.equal(CHATS);
    expect(got).to.have.length(CHATS);
  });

  it("GET /chats pages within the budget with has_more, and offset lists every chat once", async () => {
    const seen = new Set<number>();
    let pages = 0;
    for (let offset = 0; ; pages++) {
      const res = await request(node.url).get(`/api/v1/chats?offset=${offset}`).set(me.auth).expect(200);
      expect(Buffer.byteLength(res.text)).to.be.at.most(BUDGET + ONE_ROW);
      for (const c of res.body.chats as { id: number; unread_count: number }[]) {
        expect(seen.has(c.id)).to.equal(false);
        seen.add(c.id);
        expect(c.unread_count).to.equal(1);
      }
      offset += res.body.chats.length;
      if (!res.body.has_more) break;
    }
    expect(seen.size).to.equal(CHATS);
    expect(pages).to.be.greaterThan(1);
  });

  it("the handshake joins every chat's room: a message in the last chat arrives", async () => {
    const s = await connect(node.url, me.token);
    sockets.push(s);
    const last = chatIds[chatIds.length - 1];
    s.track(last, 1);
    const got = delivered(s);
    const other = await connect(node.url, me.token);
    sockets.push(other);
    await other.send(last, "to the last of 3,000");
    await eventually(() => expect(got.map((m) => m.text)).to.include("to the last of 3,000"));
  });
});
