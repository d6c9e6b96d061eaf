/**
 * Who gets a Web Push for a new message (issue 18, item 4), decided on the node that stored it
 * (domain/messages.ts calls `stored` once per new message), so each subscription gets exactly one
 * push per message and no other node sends any:
 * - the chat's members other than the sender, through the subscriptions of their live sessions;
 * - not a session that has a socket showing this chat right now (`presence:viewing`, on any node);
 * - not a member who muted the chat, unless the message @mentions them (plain chats only: the
 *   server cannot read an encrypted chat's messages).
 * The work runs in a bounded queue after the send was acknowledged; nothing here slows a send. The
 * messages stored in one tick are decided together: one query finds the subscriptions of all their
 * chats (a query per message made PostgreSQL do a join per message sent even when nobody subscribed).
 */
import type { Logger } from "pino";
import type { PushPayload } from "@chat/protocol";
import type { Database } from "../store/database.ts";
import type { NewMessageHook } from "../domain/context.ts";
import type { WireMessage } from "../domain/serialize.ts";
import { BoundedQueue } from "./bounded-queue.ts";
import type { PushSender, PushTarget } from "./push-sender.ts";
import { mentions } from "./mentions.ts";

/** Characters of a plain message's text in the push. */
export const PREVIEW_CHARS = 120;
export const ENCRYPTED_PREVIEW = "New encrypted message";
/** Messages decided with one read of their chats' push subscriptions. */
const DECIDE_BATCH = 200;

/** The sessions showing a chat now, on every node. */
export type ViewingSessions = (chatId: number) => Promise<Set<string>>;

interface Candidate extends PushTarget {
  session_id: string;
  user_id: number;
  user_name: string;
  muted: boolean;
}

export function messagePush(deps: {
  db: Database;
  sender: PushSender;
  viewing: ViewingSessions;
  log: Logger;
}): NewMessageHook & { idle(): Promise<void> } {
  const { db, sender, viewing, log } = deps;
  // Each job reads the database once or twice: a few at a time.
  const jobs = new BoundedQueue({
    concurrency: 4,
    // Jobs of up to DECIDE_BATCH messages: at most ~20,000 messages wait.
    maxQueued: 100,
    onDrop: () => log.warn("push decision queue full: messages were not pushed"),
  });
  /** Messages stored this tick, decided together: one read of the candidates for all of them. */
  let pending: WireMessage[] = [];

  function takePending(): void {
    const ms = pending;
    pending = [];
    for (let i = 0; i < ms.length; i += DECIDE_BATCH) {
      const batch = ms.slice(i, i + DECIDE_BATCH);
      jobs.push(() =>
        decideAll(batch).catch((err: unknown) =>
          log.warn({ err, messages: batch.length }, "push decision failed"),
        ),
      );
    }
  }

  /** Every member's live subscriptions in the messages' chats, in one query; then each message. */
  async function decideAll(ms: WireMessage[]): Promise<void> {
    const { rows } = await db.pool.query<Candidate & { chat_id: number }>(
      `SELECT cm.chat_id, ps.id::text AS id, ps.endpoint, ps.p256dh, ps.auth, ps.session_id::text AS session_id,
              cm.user_id, u.name AS user_name,
              COALESCE(cm.muted_until > now(), false) AS muted
         FROM chat_members cm
         JOIN push_subscriptions ps ON ps.user_id = cm.user_id
         JOIN sessions s ON s.id = ps.session_id AND s.revoked_at IS NULL
         JOIN users u ON u.id = cm.user_id
        WHERE cm.chat_id = ANY($1::int[])`,
      [[...new Set(ms.map((m) => m.chat_id))]],
    );
    if (rows.length === 0) return;
    const byChat = new Map<number, Candidate[]>();
    for (const r of rows) {
      const list = byChat.get(r.chat_id);
      if (list) list.push(r);
      else byChat.set(r.chat_id, [r]);
    }
    for (const m of ms) {
      const candidates = (byChat.get(m.chat_id) ?? []).filter((r) => r.user_id !== m.sender_id);
      if (candidates.length === 0) continue;
      await decide(m, candidates).catch((err: unknown) =>
        log.warn({ err, chatId: m.chat_id }, "push decision failed"),
      );
    }
  }

  async function decide(m: WireMessage, rows: Candidate[]): Promise<void> {
    const encrypted = m.mls !== undefined;
    const text = encrypted ? "" : m.text;
    const mentioned = mentions(
      text,
      rows.map((r) => ({ id: r.user_id, name: r.user_name })),
    );
    const wanted = rows.filter((r) => !r.muted || mentioned.has(r.user_id));
    if (wanted.length === 0) return;
    const shown = await viewing(m.chat_id).catch((err: unknown) => {
      log.warn({ err }, "could not learn who views the chat: pushing to every subscription");
      return new Set<string>();
    });
    const targets = wanted.filter((r) => !shown.has(r.session_id));
    if (targets.length === 0) return;
    const { rows: about } = await db.pool.query<{
      chat_name: string | null;
      type: string;
      sender_name: string;
    }>(
      `SELECT c.name AS chat_name, c.type, u.name AS sender_name
         FROM chats c, users u WHERE c.id = $1 AND u.id = $2`,
      [m.chat_id, m.sender_id],
    );
    const chat = about[0];
    if (!chat) return;
    const base = {
      type: "message" as const,
      chat_id: m.chat_id,
      message_id: m.id,
      seq: m.seq,
      sender_name: chat.sender_name,
      // A private chat has no name of its own: it is the other person's.
      chat_name: chat.type === "group" && chat.chat_name ? chat.chat_name : chat.sender_name,
      preview: encrypted ? ENCRYPTED_PREVIEW : preview(m),
      encrypted,
    };
    for (const t of targets) {
      const payload: PushPayload = { ...base, mention: mentioned.has(t.user_id) };
      sender.enqueue(t, JSON.stringify(payload));
    }
  }

  return {
    stored(m) {
      if (pending.length === 0) setImmediate(takePending);
      pending.push(m);
    },
    async idle() {
      // What was stored this tick is queued on the next: wait for that before the queue.
      await new Promise((r) => setImmediate(r));
      await jobs.idle();
      await sender.idle();
    },
  };
}

/** The text cut to PREVIEW_CHARS characters (whole code points), or what files it carries. */
function preview(m: WireMessage): string {
  const text = m.text.replace(/\s+/g, " ").trim();
  if (text === "") {
    const n = m.attachments?.length ?? 0;
    return n === 1 ? `📎 ${m.attachments![0].name}` : n > 1 ? `📎 ${n} files` : "";
  }
  const chars = [...text];
  return chars.length <= PREVIEW_CHARS ? text : `${chars.slice(0, PREVIEW_CHARS - 1).join("")}…`;
}
