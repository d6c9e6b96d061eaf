/**
 * A client of the origin's plain WebSocket, as its users have one (Postman, `websockets` in its
 * test_websocket.py): text frames in, text frames out. Records every frame and the close code;
 * waits with deadlines, never sleeps. Every client made is closed after each test.
 */
import WebSocket from "ws";
import { eventually } from "../support/wait.ts";
import type { TestUser } from "../support/users.ts";

export class OriginClient {
  readonly frames: string[] = [];
  closed?: { code: number; reason: string };
  readonly opened: Promise<void>;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (!isBinary) this.frames.push(data.toString());
    });
    ws.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on("error", () => undefined); // the close code is what tests look at
    this.opened = new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
      ws.once("close", () => reject(new Error("closed before open")));
    });
    this.opened.catch(() => undefined);
  }

  send(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  /** The first frame (from `from` on) that contains `part`. */
  async frame(part: string, from = 0, timeoutMs = 5000): Promise<string> {
    return eventually(() => {
      const f = this.frames.slice(from).find((x) => x.includes(part));
      if (f === undefined)
        throw new Error(`no frame with ${JSON.stringify(part)}; got ${JSON.stringify(this.frames)}`);
      return f;
    }, timeoutMs);
  }

  /** Sends a text and waits for its ✅ ack. */
  async say(text: string): Promise<string> {
    const from = this.frames.length;
    this.send(text);
    return this.frame(`✅ Сообщение '${text}' отправлено!`, from);
  }

  async closeCode(timeoutMs = 5000): Promise<number> {
    return eventually(() => {
      if (!this.closed) throw new Error(`not closed; frames ${JSON.stringify(this.frames)}`);
      return this.closed.code;
    }, timeoutMs);
  }

  /** Frames that are messages of others (📩), in order. */
  news(): string[] {
    return this.frames.filter((f) => f.startsWith("📩"));
  }
}

export class OriginClients {
  private readonly all: OriginClient[] = [];

  /**
   * `ws://…/ws/{userId}/{chatId}` on `baseUrl`; the token in the Authorization header (as the
   * origin's test sends it), in `?token=`, or not at all.
   */
  create(
    baseUrl: string,
    userId: number,
    chatId: number,
    token?: string,
    via: "header" | "query" = "header",
  ): OriginClient {
    const wsUrl = `${baseUrl.replace(/^http/, "ws")}/ws/${userId}/${chatId}`;
    const ws =
      token === undefined
        ? new WebSocket(wsUrl)
        : via === "query"
          ? new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`)
          : new WebSocket(wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    const c = new OriginClient(ws);
    this.all.push(c);
    return c;
  }

  /** An open origin socket of `user` for the chat, registered on the node (ready for broadcasts). */
  async open(baseUrl: string, user: TestUser, chatId: number): Promise<OriginClient> {
    const c = this.create(baseUrl, user.id, chatId, user.token);
    await c.opened;
    return c;
  }

  closeAll(): void {
    for (const c of this.all.splice(0)) c.ws.terminate();
  }
}

export function useOriginClients(): OriginClients {
  const clients = new OriginClients();
  afterEach(() => clients.closeAll());
  return clients;
}
