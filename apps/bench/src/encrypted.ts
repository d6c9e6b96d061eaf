/**
 * `--encrypted`: the same chats as MLS groups (issue 17). Setup registers one MLS device per
 * connection, uploads its KeyPackages and has each chat's first device create the group and add
 * everyone (one commit, Welcomes) through packages/client's EncryptedChats; the load then runs on
 * LoadClient's raw sockets with each device's group state, encrypting every send
 * (`mls:send`) and decrypting every delivery with ts-mls, and timing both.
 */
import {
  ApiClient,
  ChatSocket,
  EncryptedChats,
  MemoryKeyStore,
  decryptApplication,
  encryptApplication,
  registerDevice,
  type MlsGroupState,
} from "@chat/client";
import { histogram, record, summarize, type LatencySummary } from "./latency.ts";
import { pool, type BenchChat, type BenchUser } from "./setup.ts";
import type { Log } from "./start.ts";

/** One connection's MLS device: its id (sent as `device_id` at connect) and its group state. */
interface MlsDevice {
  deviceId: string;
  state: MlsGroupState;
}

/** Client-side cost of the encryption, in ms per message. */
export interface CryptoFigures {
  /**
   * One encrypt and one decrypt at a time on a quiet client before the load (copies of a chat's
   * states, thrown away): the CPU cost of ts-mls itself.
   */
  isolated: { encryptMs: number; decryptMs: number; messages: number };
  /** During the load: wall time of each call, including waits behind the other devices' work. */
  encrypt: LatencySummary;
  decrypt: LatencySummary;
  /** Client CPU spent in ts-mls, ms per delivered message (one encrypt shared by its deliveries). */
  perDeliveryMs: number;
}

/**
 * Registers `devicesPerUser` MLS devices per user and builds each chat's group.
 * @returns per connection (user-major, the LoadClient's device order) its device and group state
 */
export async function setUpMls(
  url: string,
  users: BenchUser[],
  chats: BenchChat[],
  devicesPerUser: number,
  concurrency: number,
  log: Log,
): Promise<MlsDevice[]> {
  const started = performance.now();
  const made: { user: BenchUser; mls: EncryptedChats; socket: ChatSocket }[] = [];
  try {
    await pool(users.length * devicesPerUser, concurrency, async (i) => {
      const user = users[Math.floor(i / devicesPerUser)];
      const api = new ApiClient(url, { token: user.token });
      const store = new MemoryKeyStore();
      const me = await registerDevice(api, store, user.id, `bench-${i}`);
      const socket = new ChatSocket(url, {
        token: user.token,
        deviceId: me.deviceId,
        transports: ["websocket"],
      });
      await socket.ready();
      const mls = new EncryptedChats(api, socket, store, me, { autoCommit: false });
      await mls.uploadKeyPackages(1);
      made[i] = { user, mls, socket };
    });
    await pool(chats.length, Math.max(1, Math.floor(concurrency / 4)), async (c) => {
      const chat = chats[c];
      const creator = made[chat.members[0] * devicesPerUser].mls;
      await creator.createGroup(chat.id);
      await creator.addUsers(
        chat.id,
        chat.members.slice(1).map((m) => users[m].id),
      );
    });
    const deadline = Date.now() + 60_000;
    while (made.some((d) => d.mls.epoch(d.user.chatId) !== 1n)) {
      if (Date.now() > deadline) throw new Error("encrypted setup: not every device joined its group");
      await new Promise((r) => setTimeout(r, 50));
    }
    const out: MlsDevice[] = [];
    for (const d of made) {
      const state = await d.mls.store.loadGroup(d.user.chatId);
      if (!state) throw new Error("encrypted setup: a device has no group state");
      out.push({ deviceId: d.mls.me.deviceId, state });
    }
    log(
      `setup: ${made.length} MLS devices in ${chats.length} groups in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return out;
  } finally {
    for (const d of made) {
      d?.mls.close();
      d?.socket.close();
    }
  }
}

const enc = new TextEncoder();

/**
 * The devices' MLS work during the load. Each device's sends and decryptions run one after the
 * other (a group state is a value: two at once would lose a ratchet step).
 */
export class MlsCrypto {
  readonly encryptMs = histogram();
  readonly decryptMs = histogram();
  encryptTotalMs = 0;
  decryptTotalMs = 0;
  decryptFailures = 0;
  private readonly chains: Promise<unknown>[];
  isolated = { encryptMs: 0, decryptMs: 0, messages: 0 };

  constructor(readonly devices: MlsDevice[]) {
    this.chains = devices.map(() => Promise.resolve());
  }

  /**
   * Times `n` messages from device `from` to device `to` of the same chat, one at a time, on
   * copies of their states (group states are values: the devices' own are left as they are).
   */
  async calibrate(from: number, to: number, n = 50): Promise<void> {
    let sender = this.devices[from].state;
    let receiver = this.devices[to].state;
    const text = enc.encode("x".repeat(64));
    let encryptMs = 0;
    let decryptMs = 0;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const out = await encryptApplication(sender, text);
      const t1 = performance.now();
      const got = await decryptApplication(receiver, out.data);
      decryptMs += performance.now() - t1;
      encryptMs += t1 - t0;
      sender = out.state;
      receiver = got.state;
    }
    const r = (v: number) => Math.round((v / n) * 1000) / 1000;
    this.isolated = { encryptMs: r(encryptMs), decryptMs: r(decryptMs), messages: n };
  }

  private inOrder<T>(device: number, fn: () => Promise<T>): Promise<T> {
    const next = this.chains[device].then(fn);
    this.chains[device] = next.catch(() => undefined);
    return next;
  }

  /** The `data` of an mls:send of `text` from `device`. */
  encrypt(device: number, text: string): Promise<string> {
    return this.inOrder(device, async () => {
      const d = this.devices[device];
      const t0 = performance.now();
      const { data, state } = await encryptApplication(d.state, enc.encode(text));
      d.state = state;
      const ms = performance.now() - t0;
      this.encryptTotalMs += ms;
      record(this.encryptMs, ms);
      return data;
    });
  }

  /** Decrypts a delivered application message; false when it does not decrypt. */
  decrypt(device: number, data: string): Promise<boolean> {
    return this.inOrder(device, async () => {
      const d = this.devices[device];
      const t0 = performance.now();
      try {
        d.state = (await decryptApplication(d.state, data)).state;
        return true;
      } catch {
        this.decryptFailures++;
        return false;
      } finally {
        const ms = performance.now() - t0;
        this.decryptTotalMs += ms;
        record(this.decryptMs, ms);
      }
    });
  }

  figures(delivered: number): CryptoFigures {
    return {
      isolated: this.isolated,
      encrypt: summarize(this.encryptMs),
      decrypt: summarize(this.decryptMs),
      perDeliveryMs:
        delivered > 0
          ? Math.round(((this.encryptTotalMs + this.decryptTotalMs) / delivered) * 1000) / 1000
          : 0,
    };
  }
}
