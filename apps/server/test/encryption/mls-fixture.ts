/**
 * Encrypted-chat devices for tests: a user's device is registered over REST, connected with its
 * device id, given KeyPackages, and wrapped in packages/client's EncryptedChats (ts-mls, a memory
 * key store). Every device is closed after the test.
 */
import { expect } from "chai";
import request from "supertest";
import {
  AckError,
  ApiClient,
  ChatSocket,
  EncryptedChats,
  MemoryKeyStore,
  registerDevice,
  type RestCaller,
} from "@chat/client";
import type { ClaimKeyPackagesResponse } from "@chat/protocol";
import type { z } from "zod";
import type { TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

type Options = ConstructorParameters<typeof EncryptedChats>[4];
/** Tests script who commits when, unless they ask for the automatic commit of proposals. */
const scripted: Options = { autoCommit: false };

export interface MlsDevice {
  user: TestUser;
  name: string;
  api: ApiClient;
  socket: ChatSocket;
  mls: EncryptedChats;
}

export function useDevices() {
  const open: MlsDevice[] = [];
  afterEach(() => {
    for (const d of open.splice(0)) {
      d.mls.close();
      d.socket.close();
    }
  });
  return {
    /**
     * A new device of `user` on `url` (a list: its socket fails over along it, REST goes to the
     * last), with `keyPackages` one-time KeyPackages uploaded. `server`: what its encryption half
     * hears from the server's REST side (a lying server's view of the real one).
     */
    async device(
      url: string | string[],
      user: TestUser,
      name: string,
      keyPackages = 5,
      options: Options = scripted,
      server: (api: ApiClient) => RestCaller = (api) => api,
    ): Promise<MlsDevice> {
      const api = new ApiClient(typeof url === "string" ? url : url.at(-1)!, { token: user.token });
      const store = new MemoryKeyStore();
      const me = await registerDevice(api, store, user.id, name);
      const socket = new ChatSocket(url, {
        token: user.token,
        deviceId: me.deviceId,
        transports: ["websocket"],
      });
      await socket.ready();
      const mls = new EncryptedChats(server(api), socket, store, me, options);
      if (keyPackages > 0) await mls.uploadKeyPackages(keyPackages);
      const d = { user, name, api, socket, mls };
      open.push(d);
      return d;
    },
    /** Connects an existing device again (after `d.socket.close()`), same keys and groups. */
    async reconnect(d: MlsDevice, url: string): Promise<MlsDevice> {
      const socket = new ChatSocket(url, {
        token: d.user.token,
        deviceId: d.mls.me.deviceId,
        transports: ["websocket"],
      });
      await socket.ready();
      // A client that comes back knows where it stopped in each chat.
      for (const [chatId, seq] of d.socket.lastSeq) socket.track(chatId, seq);
      d.mls.close();
      const mls = new EncryptedChats(d.api, socket, d.mls.store, d.mls.me, scripted);
      const next = { ...d, socket, mls };
      open.push(next);
      return next;
    },
  };
}

/** The texts a device has read in a chat, in seq order (null where it could not). */
export const textsOf = (d: MlsDevice, chatId: number) =>
  (d.mls.messages.get(chatId) ?? []).map((m) => m.text);

/**
 * Creates an encrypted chat over REST: a private chat with one other member, or a group.
 * @returns the chat id
 */
export async function encryptedChat(
  url: string,
  owner: TestUser,
  members: TestUser[],
  chatType: "private" | "group" = "group",
): Promise<number> {
  const body =
    chatType === "group"
      ? { name: "secret", chat_type: chatType, member_ids: members.map((m) => m.id), encrypted: true }
      : { chat_type: chatType, member_ids: members.map((m) => m.id), encrypted: true };
  const res = await request(url).post("/api/v1/chats").set(owner.auth).send(body).expect(201);
  return res.body.chat_id as number;
}

/** Waits until every device's group state of the chat is at `epoch`. */
export const atEpoch = (devices: MlsDevice[], chatId: number, epoch: bigint, ms = 10_000) =>
  eventually(() => {
    for (const d of devices) expect(d.mls.epoch(chatId), d.name).to.equal(epoch);
  }, ms);

/**
 * `creator` makes the chat's MLS group and adds every device of `users` (one commit, epoch 1);
 * resolves when each of `joining` has processed its Welcome.
 */
export async function startGroup(
  creator: MlsDevice,
  chatId: number,
  users: TestUser[],
  joining: MlsDevice[],
  ms?: number,
): Promise<void> {
  await creator.mls.createGroup(chatId);
  await creator.mls.addUsers(
    chatId,
    users.map((u) => u.id),
  );
  await atEpoch(joining, chatId, 1n, ms);
}

/** Claims one KeyPackage of each device as `user` (expects 200); the response body. */
export async function claimKeyPackages(
  url: string,
  user: TestUser,
  deviceIds: string[],
): Promise<z.infer<typeof ClaimKeyPackagesResponse>> {
  const res = await request(url)
    .post("/api/v1/key-packages/claim")
    .set(user.auth)
    .send({ device_ids: deviceIds })
    .expect(200);
  return res.body;
}

/** One `mls:send` of a device and its answer: a test's window on the client's retries. */
export interface SendRecord {
  client_id: string;
  duplicate?: boolean;
  /** The error ack's code, or "timeout". */
  code?: string;
}

/**
 * Records every `mls:send` of `d` from now on; `beforeFirst` is awaited before the first one
 * leaves (e.g. a barrier shared with other devices).
 */
export function recordSends(d: MlsDevice, beforeFirst?: () => Promise<void>): SendRecord[] {
  const log: SendRecord[] = [];
  const request = d.socket.request.bind(d.socket);
  let first = true;
  d.socket.request = (async (event: string, payload: { client_id: string }, timeout?: number) => {
    if (event !== "mls:send") return request(event as never, payload as never, timeout);
    if (first && beforeFirst) {
      first = false;
      await beforeFirst();
    }
    const rec: SendRecord = { client_id: payload.client_id };
    log.push(rec);
    try {
      const out = await request("mls:send", payload as never, timeout);
      rec.duplicate = out.duplicate;
      return out;
    } catch (err) {
      rec.code = err instanceof AckError ? err.code : "timeout";
      throw err;
    }
  }) as typeof d.socket.request;
  return log;
}

/**
 * Holds each device's next `mls:send` until all of them have built theirs, then lets them go
 * together: commits made at once from the same epoch, whatever the timing of the machine (one
 * wins, each other one is refused with epoch_conflict and rebased).
 * @returns the records of each device's sends (`recordSends`)
 */
export function raceNextSends(devices: MlsDevice[]): SendRecord[][] {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return devices.map((d) =>
    recordSends(d, async () => {
      if (++arrived === devices.length) release();
      await all;
    }),
  );
}

/** How many of the records were refused with epoch_conflict. */
export const conflictsIn = (records: SendRecord[][]) =>
  records.flat().filter((r) => r.code === "epoch_conflict").length;
