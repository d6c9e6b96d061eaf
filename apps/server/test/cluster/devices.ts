/**
 * Devices for socket tests: ChatSockets that are closed after each test, and recorders that
 * collect what a device received. Cross-node assertions wait with `eventually`, and a test that
 * must show something did NOT arrive first waits for a later event from the same emitting node
 * (a "barrier"): the Redis adapter keeps one node's broadcasts in order.
 */
import { io, type Socket } from "socket.io-client";
import { ChatSocket, type ChatSocketOptions, type Message } from "@chat/client";
import type {
  ClientToServerEvents,
  ServerEventName,
  ServerEventPayload,
  ServerToClientEvents,
} from "@chat/protocol";
import type { TestUser } from "../support/users.ts";

/** A plain socket.io connection: no ChatSocket ordering, dedupe or catch-up in between. */
export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class Devices {
  private readonly open: Array<ChatSocket | RawSocket> = [];

  /** A device of `user` on `url` (or rotating over several node URLs), still connecting. */
  create(url: string | string[], user: Pick<TestUser, "token">, opts: Partial<ChatSocketOptions> = {}) {
    const s = new ChatSocket(url, { transports: ["websocket"], ...opts, token: user.token });
    this.open.push(s);
    return s;
  }

  /** A connected device (see `create`). */
  async connect(
    url: string | string[],
    user: Pick<TestUser, "token">,
    opts: Partial<ChatSocketOptions> = {},
  ): Promise<ChatSocket> {
    const s = this.create(url, user, opts);
    await s.ready();
    return s;
  }

  /**
   * A connected raw socket of its own (websocket, no reconnection). `batch` is sent in the
   * handshake as given (left out when undefined), so odd values can be tried as well.
   */
  async raw(url: string, token: string, batch?: boolean): Promise<RawSocket> {
    const s: RawSocket = io(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: batch === undefined ? { token } : { token, batch },
    });
    this.open.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once("connect", resolve);
      s.once("connect_error", reject);
    });
    return s;
  }

  closeAll(): void {
    for (const s of this.open.splice(0)) s.close();
  }
}

/**
 * A device tracker for the enclosing describe block: every device it made is closed after each
 * test (`afterEach`), so no test sees another's sockets.
 */
export function useDevices(): Devices {
  const devices = new Devices();
  afterEach(() => devices.closeAll());
  return devices;
}

/** Every payload of one server event, as the raw socket got it (no client-side dedupe). */
export function record<E extends ServerEventName>(s: ChatSocket, event: E): ServerEventPayload<E>[] {
  const got: ServerEventPayload<E>[] = [];
  (s.socket.on as (e: string, f: (p: ServerEventPayload<E>) => void) => void)(event, (p) => got.push(p));
  return got;
}

/** Every new message that reached the connection, as sent: `message:new` and the messages of each `message:batch`. */
export function recordMessages(s: ChatSocket): Message[] {
  const got: Message[] = [];
  s.socket.on("message:new", (m) => got.push(m));
  s.socket.on("message:batch", (b) => got.push(...b.messages));
  return got;
}

/** The messages ChatSocket delivered to the app: in seq order, once each. */
export function delivered(s: ChatSocket): Message[] {
  const got: Message[] = [];
  s.on("message", (m) => got.push(m));
  return got;
}
