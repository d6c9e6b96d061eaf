/**
 * The encryption half of a client (issue 17): one device's MLS groups, one per encrypted chat,
 * through ts-mls only. It registers the device and its KeyPackages, creates groups (with the server
 * as external sender), adds members' devices from claimed KeyPackages, joins from Welcomes or by
 * external commit, encrypts and decrypts, and applies every commit and proposal of a chat in `seq`
 * order as ChatSocket delivers them. A commit refused with `epoch_conflict` is rebased: the chat
 * is caught up (sync), the commit made again from the new state.
 */
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  joinGroupExternal,
  processPrivateMessage,
  processPublicMessage,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type MLSMessage,
  type Proposal,
} from "ts-mls";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import {
  MLS_CIPHERSUITE,
  mlsGroupId,
  mlsIdentity,
  parseMlsIdentity,
  type ClientEventPayload,
} from "@chat/protocol";
import type { ApiClient } from "../rest.ts";

/** What the encryption half needs of a REST client (ApiClient, or an app's wrapper of it). */
export type RestCaller = Pick<ApiClient, "call">;
import { AckError, type ChatSocket, type Message } from "../socket.ts";
import type { DeviceIdentity, KeyStore } from "./key-store.ts";
import { blobIdsOf, decodePayload, encodePayload, type EncryptedFileRef } from "./file-crypto.ts";
import { uuid } from "../uuid.ts";
import { GroupCheck, groupDeviceKeys, type GroupDevice, type Refusal } from "./group-check.ts";

/** One message of an encrypted chat as this device reads it. */
interface DecryptedMessage {
  id: number;
  chat_id: number;
  seq: number;
  sender_id: number;
  device_id: string | null;
  client_id: string;
  /** null when this device cannot read it (`reason` says why). */
  text: string | null;
  /** Its files (encrypted blobs, with their keys), when it has any. */
  files?: EncryptedFileRef[];
  reason?: "before_join" | "undecryptable";
  refers_to?: number;
}

/**
 * A change of a chat's group as this device sees it: its devices changed (a commit added or
 * removed some, or this device joined; `users`: whose devices changed), or a commit was refused
 * because it brought in a device the chat's member and device lists do not have (`refusal`); this
 * device stays in the epoch before.
 */
export type GroupEvent =
  | { kind: "devices"; chatId: number; devices: GroupDevice[]; users: number[] }
  | { kind: "refused"; chatId: number; refusal: Refusal; seq?: number };

const enc = new TextEncoder();
const dec = new TextDecoder();
const b64 = (b: Uint8Array) => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
};
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const encode = (m: MLSMessage) => b64(encodeMlsMessage(m));
const decode = (s: string): MLSMessage => {
  const d = decodeMlsMessage(unb64(s), 0);
  if (!d) throw new Error("not an MLSMessage");
  return d[0];
};

let suite: Promise<CiphersuiteImpl> | undefined;
export const mlsSuite = () => (suite ??= getCiphersuiteImpl(getCiphersuiteFromName(MLS_CIPHERSUITE)));

/** Registers a new device of the API client's user: a fresh signature key, kept in `store`. */
export async function registerDevice(
  api: RestCaller,
  store: KeyStore,
  userId: number,
  name: string,
): Promise<DeviceIdentity> {
  const cs = await mlsSuite();
  const keys = await cs.signature.keygen();
  const device = await api.call("registerDevice", { body: { name, signature_key: b64(keys.publicKey) } });
  const identity = {
    userId,
    deviceId: device.id,
    signaturePublicKey: keys.publicKey,
    signaturePrivateKey: keys.signKey,
  };
  await store.saveIdentity(identity);
  return identity;
}

interface EncryptedChatsOptions {
  /** How many times a refused commit or send is rebased before giving up. @default 10 */
  maxRebases?: number;
  /**
   * After the server's Remove proposal arrives, this device commits it on its own after a random
   * delay in `[minMs, maxMs]` (so members do not all race for the epoch; whoever loses rebases or
   * finds nothing left to commit). `false`: only `commitPending` commits (tests that script the
   * committer). @default { minMs: 100, maxMs: 1500 }
   */
  autoCommit?: { minMs: number; maxMs: number } | false;
}

export class EncryptedChats {
  private readonly chains = new Map<number, Promise<unknown>>();
  private readonly groups = new Map<number, ClientState>();
  /** The epoch this device joined each group at: what came before it cannot be read. */
  private readonly joinedAt = new Map<number, bigint>();
  /** Messages of chats this device has no group for yet (a Welcome may be on its way). */
  private readonly waiting = new Map<number, Message[]>();
  readonly messages = new Map<number, DecryptedMessage[]>();
  private readonly listeners = new Set<(m: DecryptedMessage) => void>();
  private readonly groupListeners = new Set<(e: GroupEvent) => void>();
  /** Who may be in each group: the chat's members and their registered device keys. */
  readonly check: GroupCheck;
  /** Commits this device refused, per chat (newest last). */
  readonly refusals = new Map<number, Refusal[]>();
  private readonly off: (() => void)[] = [];
  private readonly welcomed = new Set<number>();
  /** Chats this device is joining again after a refused commit. */
  private readonly rejoining = new Set<number>();
  /** Chats with an automatic commit of pending proposals scheduled. */
  private readonly autoCommits = new Map<number, ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(
    readonly api: RestCaller,
    readonly socket: ChatSocket,
    readonly store: KeyStore,
    readonly me: DeviceIdentity,
    private readonly opts: EncryptedChatsOptions = {},
  ) {
    this.check = new GroupCheck(api);
    this.off.push(
      socket.on("message", (m) => {
        if (m.mls) void this.inChat(m.chat_id, () => this.process(m));
      }),
      socket.on("mls:welcome", (w) => void this.takeWelcome(w)),
    );
  }

  close() {
    this.closed = true;
    for (const f of this.off) f();
    for (const t of this.autoCommits.values()) clearTimeout(t);
    this.autoCommits.clear();
  }

  /** Decrypted messages, as they are read. */
  onMessage(fn: (m: DecryptedMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Changes of a group's devices, and commits refused (see GroupEvent). */
  onGroupEvent(fn: (e: GroupEvent) => void): () => void {
    this.groupListeners.add(fn);
    return () => this.groupListeners.delete(fn);
  }

  /** The devices (user, device id, signature key) in my view of a chat's group: its leaves. */
  async groupDevices(chatId: number): Promise<GroupDevice[]> {
    const s = await this.group(chatId);
    return s ? groupDeviceKeys(s) : [];
  }

  epoch(chatId: number): bigint | undefined {
    return this.groups.get(chatId)?.groupContext.epoch;
  }

  /** The device ids in my view of a chat's group. */
  members(chatId: number): string[] {
    const s = this.groups.get(chatId);
    if (!s) return [];
    return s.ratchetTree.flatMap((n) =>
      n?.nodeType === "leaf" && n.leaf.credential.credentialType === "basic"
        ? [parseMlsIdentity(dec.decode(n.leaf.credential.identity))?.deviceId ?? "?"]
        : [],
    );
  }

  /** Makes and uploads `count` one-time KeyPackages (and a last-resort one). */
  async uploadKeyPackages(count: number, lastResort = true) {
    const make = async (isLastResort: boolean) => {
      const cs = await mlsSuite();
      const kp = await generateKeyPackageWithKey(
        { credentialType: "basic", identity: enc.encode(mlsIdentity(this.me.userId, this.me.deviceId)) },
        defaultCapabilities(),
        defaultLifetime,
        [],
        { signKey: this.me.signaturePrivateKey, publicKey: this.me.signaturePublicKey },
        cs,
      );
      const ref = b64(await makeKeyPackageRef(kp.publicPackage, cs.hash));
      await this.store.putKeyPackage(ref, { ...kp, lastResort: isLastResort });
      return encode({ version: "mls10", wireformat: "mls_key_package", keyPackage: kp.publicPackage });
    };
    const kps = [];
    for (let i = 0; i < count; i++) kps.push(await make(false));
    return this.api.call("uploadKeyPackages", {
      params: { device_id: this.me.deviceId },
      body: { key_packages: kps, ...(lastResort ? { last_resort: await make(true) } : {}) },
    });
  }

  /** Picks up the Welcomes that waited for this device (e.g. while it was offline). */
  async fetchWelcomes(): Promise<void> {
    const { welcomes } = await this.socket.request("mls:welcomes", {});
    for (const w of welcomes) await this.takeWelcome(w);
  }

  /** Creates the group of an encrypted chat I am in, at epoch 0, with the server as external sender. */
  async createGroup(chatId: number): Promise<void> {
    const cs = await mlsSuite();
    const { external_sender } = await this.api.call("externalSender");
    const kp = await generateKeyPackageWithKey(
      { credentialType: "basic", identity: enc.encode(mlsIdentity(this.me.userId, this.me.deviceId)) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: this.me.signaturePrivateKey, publicKey: this.me.signaturePublicKey },
      cs,
    );
    const state = await createGroup(
      enc.encode(mlsGroupId(chatId)),
      kp.publicPackage,
      kp.privatePackage,
      [{ extensionType: "external_senders", extensionData: unb64(external_sender) }],
      cs,
      this.config(chatId),
    );
    await this.setGroup(chatId, state, 0n);
    this.socket.track(chatId, 0);
  }

  /**
   * Adds devices (of members of the chat: mine, or users') by their claimed KeyPackages, in one
   * commit; each gets the Welcome. Devices already in the group are skipped.
   */
  async addDevices(chatId: number, deviceIds: string[]): Promise<void> {
    await this.inChat(chatId, () => this.group(chatId));
    const have = new Set(this.members(chatId));
    const wanted = deviceIds.filter((d) => !have.has(d.toLowerCase()));
    if (wanted.length === 0) {
      // Nobody to add yet (the peer has no device): still commit once, so the server learns the
      // group (from the GroupInfo) and lets this device send; others join later.
      if (this.epoch(chatId) === 0n) await this.commitPending(chatId);
      return;
    }
    const claimed = await this.api.call("claimKeyPackages", { body: { device_ids: wanted } });
    const proposals: Proposal[] = claimed.key_packages.map((k) => {
      const m = decode(k.key_package);
      if (m.wireformat !== "mls_key_package")
        throw new Error("the server answered something else than a KeyPackage");
      return { proposalType: "add", add: { keyPackage: m.keyPackage } };
    });
    await this.commit(
      chatId,
      () => proposals,
      claimed.key_packages.map((k) => k.device_id),
    );
  }

  /** Every live device of these users (and my own other devices), added to the group. */
  async addUsers(chatId: number, userIds: number[]): Promise<void> {
    const ids: string[] = [];
    for (const u of new Set([...userIds, this.me.userId])) {
      const { devices } = await this.api.call("userDevices", { params: { user_id: u } });
      ids.push(...devices.map((d) => d.id).filter((d) => d !== this.me.deviceId));
    }
    await this.addDevices(chatId, ids);
  }

  /** A commit of whatever is pending (the server's Remove proposals, for one). */
  commitPending(chatId: number): Promise<void> {
    return this.commit(chatId, () => [], []);
  }

  /**
   * Schedules a commit of the chat's pending proposals after the jitter of `autoCommit`, unless
   * one is scheduled already. The commit is made only if something is still pending then (another
   * member may have committed first) and this device is not the one being removed.
   */
  private scheduleAutoCommit(chatId: number) {
    const opt = this.opts.autoCommit ?? { minMs: 100, maxMs: 1500 };
    if (opt === false || this.closed || this.autoCommits.has(chatId)) return;
    const delay = opt.minMs + Math.random() * Math.max(0, opt.maxMs - opt.minMs);
    const timer = setTimeout(() => {
      this.autoCommits.delete(chatId);
      if (this.closed) return;
      this.commit(chatId, () => [], [], true).catch(() => {
        // Not fatal: the next commit of any member (or this device's next try) includes them.
      });
    }, delay);
    this.autoCommits.set(chatId, timer);
  }

  /**
   * Commits `proposals()` (and every pending proposal) as a PublicMessage with the new GroupInfo;
   * on `epoch_conflict`, catches up and tries again from the new state. Removals the server asks for
   * (`remove_devices`) that no pending proposal covers are added.
   */
  private async commit(
    chatId: number,
    proposals: () => Proposal[],
    welcomeTo: string[],
    onlyIfPending = false,
  ): Promise<void> {
    let extraRemovals: string[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.inChat(chatId, async () => {
          const cs = await mlsSuite();
          const state = await this.requireGroup(chatId);
          const removals = extraRemovals.flatMap((d) => {
            const leaf = leafOf(state, d);
            return leaf === undefined || pendingRemoval(state, leaf) ? [] : [remove(leaf)];
          });
          if (onlyIfPending && (!hasPending(state) || removesMe(state)) && removals.length === 0) return;
          const res = await createCommit(
            { state, cipherSuite: cs },
            {
              wireAsPublicMessage: true,
              ratchetTreeExtension: true,
              extraProposals: [...proposals(), ...removals],
            },
          );
          const gi = await createGroupInfoWithExternalPubAndRatchetTree(res.newState, [], cs);
          const welcome =
            res.welcome && encode({ version: "mls10", wireformat: "mls_welcome", welcome: res.welcome });
          const inGroup = new Set(membersOf(res.newState));
          await this.deliver({
            chat_id: chatId,
            client_id: uuid(),
            data: encode(res.commit),
            group_info: encode({ version: "mls10", wireformat: "mls_group_info", groupInfo: gi }),
            ...(welcome && {
              welcomes: welcomeTo
                .filter((d) => inGroup.has(d.toLowerCase()))
                .map((device_id) => ({ device_id, data: welcome })),
            }),
          });
          await this.setGroup(chatId, res.newState);
        });
        return;
      } catch (err) {
        if (
          !(err instanceof AckError && err.code === "epoch_conflict") ||
          attempt >= (this.opts.maxRebases ?? 10)
        )
          throw err;
        const details = err.error.details as { remove_devices?: string[] } | undefined;
        extraRemovals = details?.remove_devices ?? [];
        await this.catchUp(chatId);
      }
    }
  }

  /**
   * Encrypts and sends a text (an edit when `refersTo` is given); re-encrypted after a conflict.
   * `files` (sealAndUpload's references) go inside the MLS message, their blobs bound to it;
   * `clientId`: an outbox's id, the same on every retry (the server stores it once).
   */
  async send(
    chatId: number,
    text: string,
    refersTo?: number,
    opts: { files?: readonly EncryptedFileRef[]; clientId?: string } = {},
  ): Promise<Message> {
    const { files = [], clientId = uuid() } = opts;
    const plain = encodePayload(text, files);
    const blobs = blobIdsOf(files);
    await this.store.putSent(clientId, plain);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inChat(chatId, async () => {
          const cs = await mlsSuite();
          const state = await this.requireGroup(chatId);
          // MLS sends nothing while proposals are pending (ts-mls refuses): commit them first.
          if (hasPending(state)) throw new PendingProposals();
          const res = await createApplicationMessage(state, enc.encode(plain), cs);
          await this.setGroup(chatId, res.newState);
          const out = await this.deliver({
            chat_id: chatId,
            client_id: clientId,
            data: encode({
              version: "mls10",
              wireformat: "mls_private_message",
              privateMessage: res.privateMessage,
            }),
            ...(refersTo !== undefined && { refers_to: refersTo }),
            ...(blobs.length > 0 && { attachment_ids: blobs }),
          });
          return out.message;
        });
      } catch (err) {
        const pending = err instanceof PendingProposals;
        if (
          !(pending || (err instanceof AckError && err.code === "epoch_conflict")) ||
          attempt >= (this.opts.maxRebases ?? 10)
        )
          throw pending ? new Error("the chat has proposals this device cannot commit") : err;
        if (pending) await this.commit(chatId, () => [], [], true);
        else await this.catchUp(chatId);
      }
    }
  }

  /**
   * Joins the group of a chat I am a member of from its latest GroupInfo (a new device of a
   * member): an external commit, retried from a fresh GroupInfo on conflict. `resync`: this device
   * is in the group already (in an older epoch it cannot leave): its old leaf is removed in the
   * same commit, and the chat is not read again from its start.
   */
  async joinExternally(chatId: number, resync = false): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const cs = await mlsSuite();
      const { group_info } = await this.api.call("groupInfo", { params: { chat_id: chatId } });
      if (!group_info) throw new Error("the group has no GroupInfo yet");
      const m = decode(group_info);
      if (m.wireformat !== "mls_group_info") throw new Error("not a GroupInfo");
      const kp = await generateKeyPackageWithKey(
        { credentialType: "basic", identity: enc.encode(mlsIdentity(this.me.userId, this.me.deviceId)) },
        defaultCapabilities(),
        defaultLifetime,
        [],
        { signKey: this.me.signaturePrivateKey, publicKey: this.me.signaturePublicKey },
        cs,
      );
      const { publicMessage, newState } = await joinGroupExternal(
        m.groupInfo,
        kp.publicPackage,
        kp.privatePackage,
        resync,
        cs,
        undefined,
        this.config(chatId),
      );
      const gi = await createGroupInfoWithExternalPubAndRatchetTree(newState, [], cs);
      // From the chat's start (before our commit echoes back): what came before shows as unreadable.
      if (!resync) this.socket.track(chatId, 0);
      try {
        await this.deliver({
          chat_id: chatId,
          client_id: uuid(),
          data: encode({ version: "mls10", wireformat: "mls_public_message", publicMessage }),
          group_info: encode({ version: "mls10", wireformat: "mls_group_info", groupInfo: gi }),
        });
      } catch (err) {
        if (
          err instanceof AckError &&
          err.code === "epoch_conflict" &&
          attempt < (this.opts.maxRebases ?? 10)
        )
          continue;
        throw err;
      }
      await this.inChat(chatId, () => this.setGroup(chatId, newState, newState.groupContext.epoch));
      this.replayWaiting(chatId);
      await this.socket.resync();
      return;
    }
  }

  /**
   * One MLS send, the same bytes and client_id again after a lost ack or a retryable refusal (a
   * node died mid-send, the database blinked): the server stores it once and answers a repeat as
   * a duplicate, so a commit is never made twice. Other refusals (epoch_conflict…) are thrown.
   */
  private async deliver(payload: ClientEventPayload<"mls:send">) {
    const deadline = Date.now() + 30_000;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        return await this.socket.request("mls:send", payload);
      } catch (err) {
        const retry =
          (err instanceof Error && err.name === "TimeoutError") ||
          (err instanceof AckError && ["unavailable", "rate_limited", "internal"].includes(err.code));
        if (!retry || Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Asks the server for what this device missed and waits until it is all applied. */
  async catchUp(chatId?: number): Promise<void> {
    await this.socket.resync();
    if (chatId !== undefined) await this.inChat(chatId, async () => undefined);
    else await Promise.all([...this.chains.keys()].map((c) => this.inChat(c, async () => undefined)));
  }

  /** ts-mls's settings for a chat's group: its defaults, with this device's credential check. */
  private config(chatId: number): ClientConfig {
    return { ...defaultClientConfig, authService: this.check.serviceFor(chatId) };
  }

  /** The chat's group: from memory, or from the key store (a device that restarted). */
  private async group(chatId: number): Promise<ClientState | undefined> {
    let s = this.groups.get(chatId);
    if (!s) {
      s = await this.store.loadGroup(chatId);
      // A stored state comes back with ts-mls's default config: the check is put back.
      if (s) this.groups.set(chatId, (s = { ...s, clientConfig: this.config(chatId) }));
    }
    return s;
  }

  private async requireGroup(chatId: number): Promise<ClientState> {
    const s = await this.group(chatId);
    if (!s) throw new Error(`this device is not in the group of chat ${chatId}`);
    return s;
  }

  private async setGroup(chatId: number, state: ClientState, joined?: bigint) {
    const before = this.groups.get(chatId);
    this.groups.set(chatId, state);
    if (joined !== undefined) this.joinedAt.set(chatId, joined);
    await this.store.saveGroup(chatId, state);
    if (before?.groupContext.epoch === state.groupContext.epoch) return;
    const devices = groupDeviceKeys(state);
    const users = changedUsers(before ? groupDeviceKeys(before) : [], devices);
    if (users.length > 0) this.emit({ kind: "devices", chatId, devices, users });
  }

  /**
   * After a refused commit or Welcome: the device that was let in may have left since (this device
   * was offline while a member came and went). The group as it is now is joined again by external
   * commit, which checks every leaf of it: if one is still not in the chat's lists, that is refused
   * too, and the first refusal is told (this device stays out). Once per chat at a time.
   */
  private async rejoin(chatId: number, refusal: Refusal, inGroup: boolean, seq?: number) {
    if (this.rejoining.has(chatId) || this.closed) return;
    this.rejoining.add(chatId);
    try {
      await this.joinExternally(chatId, inGroup);
    } catch {
      this.check.takeRefusal(chatId);
      this.emit({ kind: "refused", chatId, refusal, ...(seq !== undefined && { seq }) });
    } finally {
      this.rejoining.delete(chatId);
    }
  }

  private emit(e: GroupEvent) {
    if (e.kind === "refused") {
      const list = this.refusals.get(e.chatId) ?? [];
      list.push(e.refusal);
      this.refusals.set(e.chatId, list);
    }
    for (const fn of this.groupListeners) fn(e);
  }

  /** Runs `fn` after everything queued for the chat: one thing at a time touches its group. */
  private inChat<T>(chatId: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(chatId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.chains.set(
      chatId,
      next.catch(() => undefined),
    );
    return next;
  }

  private async takeWelcome(w: { id: number; chat_id: number; epoch: number; data: string }) {
    // The same Welcome may come live and with a sync: once is enough.
    if (this.welcomed.has(w.id)) return;
    this.welcomed.add(w.id);
    await this.inChat(w.chat_id, async () => {
      if (await this.group(w.chat_id)) return;
      const cs = await mlsSuite();
      const m = decode(w.data);
      if (m.wireformat !== "mls_welcome") return;
      const refs = new Set(m.welcome.secrets.map((s) => b64(s.newMember)));
      this.check.takeRefusal(w.chat_id);
      for (const [ref, kp] of await this.store.keyPackages()) {
        if (!refs.has(ref)) continue;
        const state = await joinGroup(
          m.welcome,
          kp.publicPackage,
          kp.privatePackage,
          emptyPskIndex,
          cs,
          undefined,
          undefined,
          this.config(w.chat_id),
        ).catch((err: unknown) => {
          // A group with a device the chat's lists do not have: not joined from this Welcome.
          const refusal = this.check.takeRefusal(w.chat_id);
          if (!refusal) throw err;
          void this.rejoin(w.chat_id, refusal, false);
          return undefined;
        });
        if (!state) return;
        if (dec.decode(state.groupContext.groupId) !== mlsGroupId(w.chat_id)) return;
        if (!kp.lastResort) await this.store.deleteKeyPackage(ref);
        await this.setGroup(w.chat_id, state, state.groupContext.epoch);
        break;
      }
    });
    await this.socket.request("mls:welcome_ack", { ids: [w.id] }).catch(() => undefined);
    // What arrived before the Welcome, then everything from the start: old epochs are skipped.
    this.replayWaiting(w.chat_id);
    this.socket.track(w.chat_id, 0);
    await this.socket.resync();
  }

  /** The messages that came before this device had the chat's group, now that it has. */
  private replayWaiting(chatId: number) {
    const held = this.waiting.get(chatId) ?? [];
    this.waiting.delete(chatId);
    for (const m of held) void this.inChat(chatId, () => this.process(m));
  }

  private record(m: Message, plain: string | null, reason?: DecryptedMessage["reason"]) {
    const body = plain === null ? null : decodePayload(plain);
    const text = body?.text ?? null;
    const d: DecryptedMessage = {
      id: m.id,
      chat_id: m.chat_id,
      seq: m.seq,
      sender_id: m.sender_id,
      device_id: m.mls?.device_id ?? null,
      client_id: m.client_id,
      text,
      ...(body && body.files.length > 0 && { files: body.files }),
      ...(reason && { reason }),
      ...(m.mls?.refers_to !== undefined && { refers_to: m.mls.refers_to }),
    };
    const list = this.messages.get(m.chat_id) ?? [];
    list.push(d);
    this.messages.set(m.chat_id, list);
    for (const fn of this.listeners) fn(d);
  }

  /** One message of the chat, in seq order. */
  private async process(m: Message): Promise<void> {
    const part = m.mls!;
    const state = await this.group(m.chat_id);
    if (!state) {
      const list = this.waiting.get(m.chat_id) ?? [];
      list.push(m);
      this.waiting.set(m.chat_id, list);
      return;
    }
    const cs = await mlsSuite();
    const epoch = BigInt(part.epoch);
    const current = state.groupContext.epoch;
    if (part.kind === "application") {
      if (epoch < (this.joinedAt.get(m.chat_id) ?? 0n)) return this.record(m, null, "before_join");
      if (part.device_id === this.me.deviceId)
        return this.record(m, (await this.store.getSent(m.client_id)) ?? null);
      try {
        const pm = decode(part.data);
        if (pm.wireformat !== "mls_private_message") throw new Error("not private");
        const res = await processPrivateMessage(state, pm.privateMessage, emptyPskIndex, cs);
        await this.setGroup(m.chat_id, res.newState);
        if (res.kind !== "applicationMessage") throw new Error("not an application message");
        return this.record(m, dec.decode(res.message));
      } catch {
        return this.record(m, null, "undecryptable");
      }
    }
    // Handshake: what is older than my state was applied already (or came before I joined).
    if (epoch !== current) return;
    const pm = decode(part.data);
    if (pm.wireformat !== "mls_public_message") return;
    this.check.takeRefusal(m.chat_id); // what an earlier failed step left
    try {
      const res = await processPublicMessage(state, pm.publicMessage, emptyPskIndex, cs);
      await this.setGroup(m.chat_id, res.newState);
      // A proposal (the server's Remove): commit it soon, so the removed device stops reading.
      if (part.kind === "proposal" && hasPending(res.newState) && !removesMe(res.newState))
        this.scheduleAutoCommit(m.chat_id);
    } catch {
      // A handshake this device cannot apply (e.g. it was removed): nothing after it decrypts.
      // One that brings in a device the chat's lists do not have is refused, and said so.
      const refusal = this.check.takeRefusal(m.chat_id);
      if (refusal) void this.rejoin(m.chat_id, refusal, true, m.seq);
    }
  }
}

/** The users whose devices (id and key) differ between two views of a group. */
function changedUsers(before: GroupDevice[], after: GroupDevice[]): number[] {
  const key = (d: GroupDevice) => `${d.userId}/${d.deviceId}/${d.key}`;
  const was = new Set(before.map(key));
  const now = new Set(after.map(key));
  const users = new Set<number>();
  for (const d of after) if (!was.has(key(d))) users.add(d.userId);
  for (const d of before) if (!now.has(key(d))) users.add(d.userId);
  return [...users];
}

/** A send found proposals pending (the server's Remove): they are committed, then it is sent. */
class PendingProposals extends Error {}

const remove = (leaf: number): Proposal => ({ proposalType: "remove", remove: { removed: leaf } });

function membersOf(state: ClientState): string[] {
  return state.ratchetTree.flatMap((n) =>
    n?.nodeType === "leaf" && n.leaf.credential.credentialType === "basic"
      ? [parseMlsIdentity(dec.decode(n.leaf.credential.identity))?.deviceId ?? "?"]
      : [],
  );
}

function leafOf(state: ClientState, deviceId: string): number | undefined {
  let found: number | undefined;
  state.ratchetTree.forEach((n, i) => {
    if (n?.nodeType !== "leaf" || n.leaf.credential.credentialType !== "basic") return;
    if (parseMlsIdentity(dec.decode(n.leaf.credential.identity))?.deviceId === deviceId.toLowerCase())
      found = i / 2;
  });
  return found;
}

function hasPending(state: ClientState): boolean {
  return Object.keys(state.unappliedProposals).length > 0;
}

/** Whether a pending proposal removes this device's own leaf (it cannot commit that). */
function removesMe(state: ClientState): boolean {
  return pendingRemoval(state, state.privatePath.leafIndex);
}

function pendingRemoval(state: ClientState, leaf: number): boolean {
  return Object.values(state.unappliedProposals).some(
    (p) => p.proposal.proposalType === "remove" && p.proposal.remove.removed === leaf,
  );
}
