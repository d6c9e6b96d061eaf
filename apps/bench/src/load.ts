/**
 * The load generator: one raw socket.io-client connection per device (ChatSocket's timeline
 * bookkeeping would be measured instead of the server), the send loops of each scenario, and the
 * recording of every ack and delivery into the ledger and the latency histograms.
 */
import crypto from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerEventPayload, ServerToClientEvents } from "@chat/protocol";
import { Ledger, type DeviceState, type SentRecord } from "./ledger.ts";
import { histogram, record, type Histogram } from "./latency.ts";
import type { MlsCrypto } from "./encrypted.ts";
import type { BenchUser } from "./setup.ts";
import { pool } from "./setup.ts";

type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Placement {
  /** The URL device `d` of user `u` connects to, and the local address to connect from. */
  target(user: number, device: number, deviceIndex: number): { url: string; localAddress?: string };
}

interface Window {
  /** Latencies of sends inside it go to the histograms. */
  measuring: boolean;
  step: number;
}

/** One second's figures (and the source of the progress line). */
export interface Interval {
  t: number;
  sent: number;
  delivered: number;
  ackP50: number;
  ackP99: number;
  deliveryP50: number;
  deliveryP99: number;
  inFlight: number;
  errors: number;
}

export class LoadClient {
  readonly ledger: Ledger;
  readonly sockets: ChatClient[] = [];
  readonly ack = histogram();
  readonly delivery = histogram();
  /** Per open-loop step. */
  readonly stepAck: Histogram[] = [];
  readonly stepDelivery: Histogram[] = [];
  readonly errors: Record<string, number> = {};
  readonly window: Window = { measuring: false, step: 0 };
  readonly text: string;
  /** Counters inside the measured window (by arrival time). */
  windowAcked = 0;
  windowDelivered = 0;
  readsSent = 0;
  readsAcked = 0;
  receiptsReceived = 0;
  inFlight = 0;
  /** Sends are issued only while this is true. */
  running = false;
  private closing = false;
  private intervalAck = histogram();
  private intervalDelivery = histogram();
  private intervalSent = 0;
  private intervalDelivered = 0;
  private intervalErrors = 0;
  private readonly devicesOfUser: number[][];
  private sendCounter = 0;

  constructor(
    readonly users: BenchUser[],
    readonly opts: {
      devices: number;
      chatSize: number;
      messageSize: number;
      read: boolean;
      /** The users that send (indexes into `users`); unset: every user. */
      senders?: number[];
    },
    /** Encrypted chats: every send is encrypted, every delivery decrypted before it counts. */
    readonly mls?: MlsCrypto,
  ) {
    const devices: DeviceState[] = [];
    this.devicesOfUser = users.map((u) =>
      Array.from({ length: opts.devices }, () => {
        devices.push({
          index: devices.length,
          user: u.index,
          chatId: u.chatId,
          seen: new Uint8Array(64),
          lastSeq: 0,
          readWanted: 0,
          readInFlight: false,
        });
        return devices.length - 1;
      }),
    );
    this.ledger = new Ledger(devices, opts.chatSize * opts.devices - 1, opts.devices);
    this.text = "x".repeat(opts.messageSize);
  }

  /** Opens the connections of devices `from` … `to - 1` (at most `concurrency` handshakes at once). */
  async connect(
    placement: Placement,
    concurrency: number,
    progress: (done: number) => void,
    from = 0,
    to = this.ledger.devices.length,
  ): Promise<void> {
    const devices = this.ledger.devices;
    await pool(
      to - from,
      concurrency,
      (k) => {
        const i = from + k;
        const dev = devices[i];
        const user = this.users[dev.user];
        const { url, localAddress } = placement.target(dev.user, i % this.opts.devices, i);
        const socket: ChatClient = io(url, {
          transports: ["websocket"],
          // takes message:batch, as ChatSocket does; an encrypted run connects as an MLS device
          auth: {
            token: user.token,
            batch: true,
            ...(this.mls && { device_id: this.mls.devices[i].deviceId }),
          },
          forceNew: true, // one connection per device: never multiplexed over a shared manager
          reconnection: false, // a dropped connection is a failure of the run, counted as such
          timeout: 30_000,
          ...(localAddress ? { localAddress } : {}),
        } as Parameters<typeof io>[1]);
        this.sockets[i] = socket;
        this.listen(socket, dev);
        return new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", (err) => reject(new Error(`device ${i}: ${err.message}`)));
        });
      },
      (done) => progress(from + done),
    );
  }

  private listen(socket: ChatClient, dev: DeviceState) {
    const onMessage = (m: ServerEventPayload<"message:new">) => {
      const rec = this.ledger.deliver(dev, m);
      if (!rec) return;
      const now = performance.now();
      if (this.window.measuring) this.windowDelivered++;
      this.intervalDelivered++;
      const ms = now - rec.sentAt;
      record(this.intervalDelivery, ms);
      if (rec.measured) {
        record(this.delivery, ms);
        record(this.stepDelivery[rec.step], ms);
      }
      if (this.opts.read) this.wantRead(socket, dev, m.seq);
    };
    const take = this.mls
      ? (m: ServerEventPayload<"message:new">) => this.decryptThen(dev, m, onMessage)
      : onMessage;
    socket.on("message:new", take);
    socket.on("message:batch", (b) => b.messages.forEach(take));
    socket.on("receipt:fully_read", (r) => this.ledger.fullyRead(r.message_ids));
    socket.on("receipt:read", () => this.receiptsReceived++);
    socket.on("disconnect", () => {
      if (!this.closing) this.ledger.disconnects++;
    });
  }

  /** An encrypted delivery counts once it decrypts (the device's own copy and handshakes are not decrypted). */
  private decryptThen(
    dev: DeviceState,
    m: ServerEventPayload<"message:new">,
    then: (m: ServerEventPayload<"message:new">) => void,
  ) {
    const mls = this.mls!;
    if (m.mls?.kind !== "application") return;
    if (m.mls.device_id === mls.devices[dev.index].deviceId) return then(m);
    void mls.decrypt(dev.index, m.mls.data).then((ok) => (ok ? then(m) : this.countError("undecryptable")));
  }

  /** Marks read what arrived; one read in flight per device, the next one covers everything since. */
  private wantRead(socket: ChatClient, dev: DeviceState, seq: number) {
    if (seq > dev.readWanted) dev.readWanted = seq;
    if (dev.readInFlight) return;
    const target = dev.readWanted;
    dev.readInFlight = true;
    this.readsSent++;
    socket.emit("message:read", { chat_id: dev.chatId, seq: target }, (res) => {
      this.readsAcked++;
      dev.readInFlight = false;
      if (!res.ok) this.countError(`read:${res.error.code}`);
      if (dev.readWanted > target) this.wantRead(socket, dev, dev.readWanted);
    });
  }

  private countError(code: string) {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.intervalErrors++;
  }

  /** Sends one message from user `u` (its devices in turn); `then` runs after the ack. */
  send(u: number, then?: () => void): void {
    const devs = this.devicesOfUser[u];
    const d = devs[this.sendCounter++ % devs.length];
    const socket = this.sockets[d];
    const dev = this.ledger.devices[d];
    const rec: SentRecord = {
      clientId: crypto.randomUUID(),
      chatId: dev.chatId,
      device: d,
      sentAt: performance.now(),
      measured: this.window.measuring,
      step: this.window.step,
      ackedAt: 0,
      ok: false,
      id: 0,
      seq: 0,
      received: 0,
      fullyRead: 0,
    };
    this.ledger.sent.set(rec.clientId, rec);
    this.inFlight++;
    const onAck = (res: Parameters<Ledger["ack"]>[1]) => {
      this.inFlight--;
      this.ledger.ack(rec, res);
      const ms = rec.ackedAt - rec.sentAt;
      if (res.ok) {
        if (this.window.measuring) this.windowAcked++;
        this.intervalSent++;
        record(this.intervalAck, ms);
        if (rec.measured) {
          record(this.ack, ms);
          record(this.stepAck[rec.step], ms);
        }
      } else {
        this.countError(res.error?.code ?? "unknown");
      }
      if (then && this.running) then();
    };
    if (!this.mls) {
      socket.emit("message:send", { chat_id: dev.chatId, client_id: rec.clientId, text: this.text }, onAck);
      return;
    }
    this.mls.encrypt(d, this.text).then(
      (data) => socket.emit("mls:send", { chat_id: dev.chatId, client_id: rec.clientId, data }, onAck),
      () => onAck({ ok: false, error: { code: "encrypt_failed" } }),
    );
  }

  /** The users that send; the others only receive. */
  private get senders(): number[] {
    return this.opts.senders ?? this.users.map((u) => u.index);
  }

  /** Closed loop: every sender sends, waits for its ack, sends again. */
  startClosed(): void {
    this.running = true;
    for (const u of this.senders) {
      const loop = () => this.send(u, loop);
      loop();
    }
  }

  /**
   * Open loop at `rate` messages/s, spread over the senders in turn, whatever the acks do (up to
   * `maxInFlight` outstanding, beyond which offered load is counted as shed).
   */
  startOpen(rate: number, maxInFlight = 50_000): { stop(): void; shed: () => number } {
    this.running = true;
    const started = performance.now();
    let issued = 0;
    let shed = 0;
    let next = 0;
    const senders = this.senders;
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - issued;
      for (let i = 0; i < due; i++) {
        issued++;
        if (this.inFlight >= maxInFlight) {
          shed++;
          continue;
        }
        this.send(senders[next]);
        next = (next + 1) % senders.length;
      }
    }, 5);
    return { stop: () => clearInterval(timer), shed: () => shed };
  }

  /** Starts a new histogram pair for an open-loop step (or the single window). */
  beginStep(): number {
    this.stepAck.push(histogram());
    this.stepDelivery.push(histogram());
    this.window.step = this.stepAck.length - 1;
    return this.window.step;
  }

  /** The last second's figures; resets the per-interval counters. */
  takeInterval(t: number): Interval {
    const out: Interval = {
      t,
      sent: this.intervalSent,
      delivered: this.intervalDelivered,
      ackP50: this.intervalAck.totalCount ? this.intervalAck.getValueAtPercentile(50) / 1000 : 0,
      ackP99: this.intervalAck.totalCount ? this.intervalAck.getValueAtPercentile(99) / 1000 : 0,
      deliveryP50: this.intervalDelivery.totalCount
        ? this.intervalDelivery.getValueAtPercentile(50) / 1000
        : 0,
      deliveryP99: this.intervalDelivery.totalCount
        ? this.intervalDelivery.getValueAtPercentile(99) / 1000
        : 0,
      inFlight: this.inFlight,
      errors: this.intervalErrors,
    };
    this.intervalAck.reset();
    this.intervalDelivery.reset();
    this.intervalSent = 0;
    this.intervalDelivered = 0;
    this.intervalErrors = 0;
    return out;
  }

  readsSettled(): boolean {
    return this.ledger.devices.every((d) => !d.readInFlight);
  }

  close(): void {
    this.closing = true;
    this.running = false;
    for (const s of this.sockets) s?.disconnect();
  }
}
