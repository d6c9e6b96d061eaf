/**
 * The transport's own ceiling: a minimal fan-out chat server on the same Socket.IO (same options as
 * our gateway) with everything in memory — no database, no Redis, no validation library. It speaks
 * just enough of our protocol for the bench's clients: register/token/create-chat/add-member over REST, and
 * `message:send` (seq per chat, idempotent client_id, broadcast, then ack) and `message:read`
 * (cursors, receipts, fully-read notices) over the socket. `PORT` (default 0) picks the port; it
 * prints `{"port":N,"msg":"listening"}` once it listens.
 */
import http from "node:http";
import { Server } from "socket.io";
import { routes, servedPath } from "@chat/protocol";
import { exitWithLauncher } from "@chat/server/launcher/exit-with-launcher";

interface Chat {
  id: number;
  members: number[];
  /** Sender and id of each message, index seq - 1. */
  senders: number[];
  ids: number[];
  cursors: Map<number, number>;
  /** Per sender: seq up to which every other member has read. */
  fullyRead: Map<number, number>;
  clientIds: Set<string>;
}

const users = new Map<string, { id: number; name: string; email: string; password: string }>();
const chats = new Map<number, Chat>();
const chatsOfUser = new Map<number, number[]>();
let nextUserId = 1;
let nextChatId = 1;
let nextMessageId = 1;

function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("error", reject);
    req.on("end", () => {
      try {
        if ((req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded"))
          resolve(Object.fromEntries(new URLSearchParams(raw)));
        else resolve(raw ? (JSON.parse(raw) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

const userOfToken = (token: unknown) =>
  typeof token === "string" && token.startsWith("baseline.") ? Number(token.slice(9)) : 0;

function send(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const error = (code: string, message: string) => ({ error: { code, message } });

async function rest(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = req.url ?? "/";
  if (req.method === "GET" && url === servedPath(routes.healthz)) return send(res, 200, { status: "ok" });
  if (req.method !== "POST") return send(res, 404, error("not_found", `No route for ${req.method} ${url}`));
  const body = await readBody(req);
  if (url === servedPath(routes.register)) {
    const email = String(body.email).toLowerCase();
    if (users.has(email)) return send(res, 400, error("email_taken", "Email already registered"));
    const user = { id: nextUserId++, name: String(body.name), email, password: String(body.password) };
    users.set(email, user);
    return send(res, 201, { id: user.id, name: user.name, email, message: "User registered" });
  }
  if (url === servedPath(routes.token)) {
    const user = users.get(String(body.username ?? body.email).toLowerCase());
    if (!user || user.password !== body.password)
      return send(res, 401, error("invalid_credentials", "Wrong email or password"));
    return send(res, 200, { access_token: `baseline.${user.id}`, token_type: "bearer", expires_in: 86400 });
  }
  if (url === servedPath(routes.createChat)) {
    const owner = userOfToken(req.headers.authorization?.slice(7));
    if (!owner) return send(res, 401, error("unauthorized", "A token is required"));
    const members = [owner, ...((body.member_ids as number[] | undefined) ?? [])];
    const chat: Chat = {
      id: nextChatId++,
      members,
      senders: [],
      ids: [],
      cursors: new Map(members.map((m) => [m, 0])),
      fullyRead: new Map(),
      clientIds: new Set(),
    };
    chats.set(chat.id, chat);
    for (const m of members) chatsOfUser.set(m, [...(chatsOfUser.get(m) ?? []), chat.id]);
    return send(res, 201, { message: "Chat created", chat_id: chat.id, chat: { id: chat.id } });
  }
  // POST /chats/{chat_id}/members {user_id}: a big group's members past createChat's 100.
  const added = /^(.*)\/chats\/(\d+)\/members$/.exec(url);
  if (added && added[1] === servedPath(routes.createChat).slice(0, -"/chats".length)) {
    const chat = chats.get(Number(added[2]));
    const userId = Number(body.user_id);
    if (!chat) return send(res, 404, error("chat_not_found", "No such chat"));
    if (!chat.cursors.has(userId)) {
      chat.members.push(userId);
      chat.cursors.set(userId, 0);
      chatsOfUser.set(userId, [...(chatsOfUser.get(userId) ?? []), chat.id]);
    }
    return send(res, 200, { message: "added", chat_id: chat.id, user_id: userId, role: "member" });
  }
  send(res, 404, error("not_found", `No route for POST ${url}`));
}

const server = http.createServer((req, res) => {
  rest(req, res).catch(() => send(res, 400, error("invalid_json", "Bad request body")));
});

// The same transport options as apps/server/src/realtime/gateway.ts.
const io = new Server(server, {
  maxHttpBufferSize: 64 * 1024,
  perMessageDeflate: false,
  pingInterval: 25_000,
  pingTimeout: 20_000,
  connectTimeout: 10_000,
});

io.use((socket, next) => {
  const userId = userOfToken((socket.handshake.auth as { token?: unknown }).token);
  if (!userId) return next(new Error("unauthorized"));
  socket.data.userId = userId;
  next();
});

type AckFn = (res: unknown) => void;

io.on("connection", (socket) => {
  const me = socket.data.userId as number;
  socket.join([`user:${me}`, ...(chatsOfUser.get(me) ?? []).map((c) => `chat:${c}`)]);

  socket.on("message:send", (p: { chat_id: number; client_id: string; text: string }, ack: AckFn) => {
    const chat = chats.get(p?.chat_id);
    if (!chat || !chat.cursors.has(me))
      return ack({ ok: false, error: { code: "not_a_member", message: "" } });
    const key = `${me}:${p.client_id}`;
    const duplicate = chat.clientIds.has(key);
    chat.clientIds.add(key);
    const seq = chat.senders.length + 1;
    const message = {
      id: nextMessageId++,
      chat_id: chat.id,
      seq,
      sender_id: me,
      client_id: p.client_id,
      text: p.text,
      created_at: new Date().toISOString(),
      edited_at: null,
      deleted_at: null,
    };
    if (!duplicate) {
      chat.senders.push(me);
      chat.ids.push(message.id);
      io.to(`chat:${chat.id}`).emit("message:new", message);
    }
    ack({ ok: true, data: { message, duplicate } });
  });

  socket.on("message:read", (p: { chat_id: number; seq: number }, ack: AckFn) => {
    const chat = chats.get(p?.chat_id);
    if (!chat || !chat.cursors.has(me))
      return ack({ ok: false, error: { code: "not_a_member", message: "" } });
    const cursor = Math.max(chat.cursors.get(me)!, Math.min(p.seq, chat.senders.length));
    const fullyReadIds: number[] = [];
    if (cursor > chat.cursors.get(me)!) {
      chat.cursors.set(me, cursor);
      io.to(`chat:${chat.id}`).emit("receipt:read", { chat_id: chat.id, user_id: me, last_read_seq: cursor });
      for (const sender of chat.members) {
        if (sender === me) continue;
        let upTo = Infinity;
        for (const [m, c] of chat.cursors) if (m !== sender) upTo = Math.min(upTo, c);
        const before = chat.fullyRead.get(sender) ?? 0;
        if (upTo <= before) continue;
        chat.fullyRead.set(sender, upTo);
        const ids: number[] = [];
        for (let s = before + 1; s <= upTo; s++)
          if (chat.senders[s - 1] === sender) ids.push(chat.ids[s - 1]);
        if (ids.length === 0) continue;
        fullyReadIds.push(...ids);
        io.to(`user:${sender}`).emit("receipt:fully_read", {
          chat_id: chat.id,
          message_ids: ids,
          up_to_seq: upTo,
        });
      }
    }
    ack({ ok: true, data: { chat_id: chat.id, last_read_seq: cursor, fully_read_ids: fullyReadIds } });
  });
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const port = (server.address() as { port: number }).port;
  console.log(JSON.stringify({ level: 30, port, msg: "listening" }));
});
const stop = () => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", stop);
exitWithLauncher(stop); // the bench that spawned it is gone (IPC channel closed)
