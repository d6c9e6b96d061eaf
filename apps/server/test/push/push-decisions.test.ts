/**
 * Who gets a Web Push is decided for the messages of one tick together: one read of their chats'
 * subscriptions, however many messages (a read per message made PostgreSQL join four tables for
 * every message sent, subscribed or not). The rules themselves run end to end in web-push.test.ts.
 */
import { expect } from "chai";
import pino from "pino";
import type { Database } from "../../src/store/database.ts";
import type { PushSender, PushTarget } from "../../src/push/push-sender.ts";
import { messagePush } from "../../src/push/message-push.ts";
import type { WireMessage } from "../../src/domain/serialize.ts";

interface Query {
  sql: string;
  params: unknown[];
}

/** A pool that answers from `answer` and records each query. */
function fakeDb(answer: (q: Query) => unknown[]): { db: Database; queries: Query[] } {
  const queries: Query[] = [];
  const pool = {
    async query(sql: string, params: unknown[] = []) {
      const q = { sql, params };
      queries.push(q);
      return { rows: answer(q) };
    },
  };
  return { db: { pool } as unknown as Database, queries };
}

function fakeSender(): { sender: PushSender; sent: Array<{ to: string; payload: unknown }> } {
  const sent: Array<{ to: string; payload: unknown }> = [];
  const sender = {
    enqueue: (t: PushTarget, payload: string) => sent.push({ to: t.endpoint, payload: JSON.parse(payload) }),
    idle: async () => undefined,
  };
  return { sender: sender as unknown as PushSender, sent };
}

const message = (id: number, chatId: number, senderId: number): WireMessage => ({
  id,
  chat_id: chatId,
  seq: id,
  sender_id: senderId,
  client_id: crypto.randomUUID(),
  text: `hello ${id}`,
  created_at: new Date().toISOString(),
  edited_at: null,
  deleted_at: null,
});

const log = pino({ level: "silent" });
const viewing = async () => new Set<string>();

describe("push decisions (push/message-push.ts)", () => {
  it("100 messages of one tick in 10 chats, nobody subscribed: one query for all of them", async () => {
    const { db, queries } = fakeDb(() => []);
    const { sender, sent } = fakeSender();
    const push = messagePush({ db, sender, viewing, log });
    for (let i = 1; i <= 100; i++) push.stored(message(i, 1 + (i % 10), 7));
    await push.idle();
    expect(queries).to.have.length(1);
    expect((queries[0].params[0] as number[]).sort((a, b) => a - b)).to.deep.equal([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(sent).to.deep.equal([]);
  });

  it("one read serves each message its own chat's members, never the sender", async () => {
    const candidate = (chatId: number, userId: number) => ({
      chat_id: chatId,
      id: `sub-${chatId}-${userId}`,
      endpoint: `https://push.example.test/${chatId}/${userId}`,
      p256dh: "k",
      auth: "a",
      session_id: `s-${userId}`,
      user_id: userId,
      user_name: `User ${userId}`,
      muted: false,
    });
    const { db, queries } = fakeDb((q) =>
      /push_subscriptions/.test(q.sql)
        ? [candidate(1, 10), candidate(1, 11), candidate(2, 10), candidate(2, 12)]
        : [{ chat_name: "g", type: "group", sender_name: "Sender" }],
    );
    const { sender, sent } = fakeSender();
    const push = messagePush({ db, sender, viewing, log });
    push.stored(message(1, 1, 10)); // to 11 (10 sent it)
    push.stored(message(2, 2, 12)); // to 10
    await push.idle();
    expect(queries.filter((q) => /push_subscriptions/.test(q.sql))).to.have.length(1);
    expect(sent.map((s) => s.to)).to.deep.equal([
      "https://push.example.test/1/11",
      "https://push.example.test/2/10",
    ]);
  });
});
