/**
 * End-to-end encrypted chats in the web app (issue 17), through packages/client's EncryptedChats:
 * this browser profile's device (identity and MLS state in IndexedDB), registered once and kept
 * stocked with KeyPackages (refilled on `key_packages:low`); the socket says which device it is;
 * encrypted chats are created with their MLS group, joined from a Welcome or by external commit,
 * and their messages sent and read through MLS. What this device read is kept (MLS keys are used
 * once: a reload cannot decrypt again) and put in `store.decrypted` for the views.
 */
import {
  EncryptedChats,
  type EncryptedFileRef,
  formatSafetyNumber,
  groupKeysOf,
  type GroupEvent,
  keyChange,
  registerDevice,
  safetyNumber,
} from "@chat/client";
import type { Parts } from "../controller/parts.ts";
import type { Message } from "../logic/types.ts";
import type { ChatEntry } from "../store.ts";
import { errorText } from "../controller/error-text.ts";
import { saveDeviceHint } from "./device-hint.ts";
import { IdbKeyStore } from "./idb-key-store.ts";
import type { SafetyRow } from "./safety.ts";
import type { GroupAlert } from "./group-alerts.ts";
import { EncryptedFiles } from "./encrypted-files.ts";

/**
 * One-time KeyPackages per upload, and uploads per refill (the server warns below 10). Small
 * uploads: nginx spools a request body above its 8 KiB buffer to a temporary file, which fails
 * (500) where that folder is not writable.
 */
const KEY_PACKAGES = 5;
const UPLOADS = 4;

export class Encryption {
  private booting: Promise<EncryptedChats> | undefined;
  private keys: IdbKeyStore | undefined;
  private readonly joining = new Map<number, Promise<void>>();
  /** Chats this device is creating the group of (not to be joined meanwhile). */
  private readonly creating = new Set<number>();

  /** Files of encrypted chats: sealed before upload, opened to read. */
  readonly files: EncryptedFiles;

  constructor(private readonly p: Parts) {
    this.files = new EncryptedFiles(p);
  }

  /** The device, ready to use (registered and connected as itself on first use). */
  ready(): Promise<EncryptedChats> {
    this.booting ??= this.boot();
    this.booting.catch(() => (this.booting = undefined));
    return this.booting;
  }

  private async boot(): Promise<EncryptedChats> {
    const { store, api, socket } = this.p;
    const keys = (this.keys = await IdbKeyStore.open(store.me.id));
    let me = await keys.loadIdentity();
    if (me) {
      // Removed from another device: this browser starts again as a new device.
      const { devices } = await api.call("listDevices");
      if (!devices.some((d) => d.id === me!.deviceId)) me = undefined;
    }
    const fresh = !me;
    me ??= await registerDevice(api, keys, store.me.id, browserName());
    saveDeviceHint(store.me.id, me.deviceId);
    // The socket says which device it is (MLS sends need it): from its first connection when the
    // hint was there, else now, on the open connection (device:bind; no reconnect), and from the
    // next connection on through its auth.
    const io = socket.socket;
    if ((io.auth as Record<string, unknown>).device_id !== me.deviceId) {
      io.auth = { ...(io.auth as Record<string, unknown>), device_id: me.deviceId };
      await socket.ready();
      await socket.request("device:bind", { device_id: me.deviceId }).catch(() => {
        io.disconnect().connect(); // a server without device:bind: connect again as the device
      });
    }
    await socket.ready();
    const mls = new EncryptedChats(api, socket, keys, me);
    mls.onMessage((d) => {
      // It reads the chat's messages: it has the group (from a Welcome, perhaps just now).
      this.p.store.e2eJoined.add(d.chat_id);
      if (d.refers_to !== undefined) void this.edited(d.chat_id, d.refers_to, d.sender_id, d.text);
      void this.read(d.id, d.text, d.reason, d.files);
    });
    mls.onGroupEvent((e) => void this.groupEvent(mls, e).catch(() => undefined));
    socket.on(
      "key_packages:low",
      () => void mls.uploadKeyPackages(KEY_PACKAGES, false).catch(() => undefined),
    );
    await this.stockUp(mls, fresh);
    await mls.fetchWelcomes();
    return mls;
  }

  /**
   * A new device gets its KeyPackages (so others can add it at once); one that was away while
   * others claimed them is stocked again when the server says its stock is low.
   */
  private async stockUp(mls: EncryptedChats, fresh: boolean) {
    let lastResort = fresh;
    if (!fresh) {
      const stock = await this.p.api.call("keyPackageStock", { params: { device_id: mls.me.deviceId } });
      if (!stock.low && stock.last_resort) return;
      lastResort = !stock.last_resort;
    }
    for (let i = 0; i < UPLOADS; i++) await mls.uploadKeyPackages(KEY_PACKAGES, lastResort && i === 0);
  }

  /**
   * An edit (a new ciphertext naming the message it replaces) read by this device: the message
   * shows the new text. Only its sender may edit it (the server checks; so does this device).
   */
  private async edited(chatId: number, target: number, senderId: number, text: string | null) {
    if (text === null) return;
    const original = this.p.store.chats
      .get(chatId)
      ?.timeline.messages()
      .find((m) => m.id === target);
    if (original && original.sender_id !== senderId) return;
    // An edit changes the text only: the original's files stay (if it was read first).
    const files = this.p.store.decrypted.get(target)?.files;
    const r = { text, edited: true, ...(files && { files }) };
    this.p.store.decrypted.set(target, r);
    await this.keys?.putRead(target, r);
    this.p.screen.render();
  }

  /** Records what this device read of a message; a text read before (then kept) is never lost. */
  private async read(
    id: number,
    text: string | null,
    reason?: "before_join" | "undecryptable",
    files?: EncryptedFileRef[],
  ) {
    const s = this.p.store;
    const known = s.decrypted.get(id) ?? (await this.keys?.getRead(id));
    if (known?.text != null) {
      // An edit read before its original kept the new text: add the original's files to it.
      const r = files && !known.files ? { ...known, files } : known;
      s.decrypted.set(id, r);
      if (r !== known) await this.keys?.putRead(id, r);
    } else {
      const r = { text, ...(reason && { reason }), ...(files && { files }) };
      s.decrypted.set(id, r);
      await this.keys?.putRead(id, r);
    }
    this.p.screen.render();
  }

  /** An encrypted chat is listed or opened: its device joins its group if it has none yet. */
  prepare(e: ChatEntry): void {
    if (!e.summary.encrypted || this.joining.has(e.summary.id)) return;
    const job = this.join(e).catch((err: unknown) => {
      this.joining.delete(e.summary.id);
      this.p.screen.notify(`This device could not join the encrypted chat: ${errorText(err)}`);
    });
    this.joining.set(e.summary.id, job);
  }

  private async join(e: ChatEntry, tries = 0): Promise<void> {
    const mls = await this.ready();
    const id = e.summary.id;
    if (this.creating.has(id)) return;
    // Texts read on an earlier visit come from IndexedDB.
    const page = e.timeline.items();
    for (const it of page)
      if (it.kind === "message" && it.message.mls && !this.p.store.decrypted.has(it.message.id)) {
        const r = await this.keys!.getRead(it.message.id);
        if (r) this.p.store.decrypted.set(it.message.id, r);
      }
    // A Welcome is stored with the commit that added this device: fetched before looking further.
    await mls.fetchWelcomes();
    if (!(await this.hasGroup(mls, id))) {
      // No Welcome came for this device: a member's new device joins from the latest GroupInfo.
      const { group_info } = await this.p.api.call("groupInfo", { params: { chat_id: id } });
      if (group_info) await mls.joinExternally(id);
    }
    if (await this.hasGroup(mls, id)) await this.joined(mls, id);
    else if (tries < 30) {
      // The group may not exist yet (its creator is making it): look again soon.
      await new Promise((r) => setTimeout(r, 1000));
      if (!this.p.stopped) return this.join(e, tries + 1);
    }
    this.p.screen.render();
  }

  /**
   * A new encrypted chat: creates its group with every member's devices (mine included). A private
   * chat that existed already (the server answered it again) is joined instead if need be.
   */
  async created(chatId: number, memberIds: number[]): Promise<void> {
    this.creating.add(chatId);
    const mls = await this.ready();
    if (!(await this.hasGroup(mls, chatId))) {
      // A private chat that existed already (the server answered it again) has its group.
      const { group_info } = await this.p.api.call("groupInfo", { params: { chat_id: chatId } });
      if (group_info) await mls.joinExternally(chatId);
      else {
        await mls.createGroup(chatId);
        await mls.addUsers(chatId, memberIds);
      }
    }
    await this.joined(mls, chatId);
    this.p.screen.render();
  }

  /** This device has the chat's group: remembers from which epoch on it can read. */
  private async joined(mls: EncryptedChats, chatId: number) {
    const s = this.p.store;
    let at = await this.keys!.joinedAt(chatId);
    if (at === undefined) {
      at = Number(mls.epoch(chatId) ?? (await this.keys!.loadGroup(chatId))?.groupContext.epoch ?? 0);
      await this.keys!.saveJoinedAt(chatId, at);
    }
    s.e2eJoinedAt.set(chatId, at);
    s.e2eJoined.add(chatId);
    // Devices that changed while this page was closed.
    const users = new Set((await mls.groupDevices(chatId)).map((d) => d.userId));
    await this.checkKeys(mls, chatId, [...users], false);
  }

  /** A group's devices changed, or a commit was refused: checked, and shown in the chat. */
  private async groupEvent(mls: EncryptedChats, e: GroupEvent) {
    if (e.kind === "devices") return this.checkKeys(mls, e.chatId, e.users, true);
    const { userId, reason } = e.refusal;
    const name = userId === undefined ? undefined : this.p.store.nameOf(userId);
    this.alert(e.chatId, { kind: "refused", reason, ...(userId !== undefined && { userId, name }) });
  }

  /**
   * Compares each user's listed devices with the ones this device saw first (trust on first use:
   * the first sight is kept); a change is shown in the chat until someone compares the number.
   * `fresh`: the lists are fetched again (after a commit changed these users' devices); else a list
   * this page fetched already serves (opening a big group costs one fetch per member once).
   */
  private async checkKeys(mls: EncryptedChats, chatId: number, userIds: number[], fresh: boolean) {
    for (const userId of userIds) {
      if (userId === this.p.store.me.id) continue;
      const listed = [...(await mls.check.deviceKeys(userId, fresh)).values()];
      const change = keyChange(await this.keys!.knownKeys(userId), listed);
      if (change.status === "first_seen") await this.keys!.saveKnownKeys(userId, listed);
      else if (change.status === "changed")
        this.alert(chatId, { kind: "devices_changed", userId, name: this.p.store.nameOf(userId) });
    }
  }

  /** Shows an alert above a chat's messages (once: the same one again is not repeated). */
  private alert(chatId: number, a: GroupAlert) {
    const alerts = this.p.store.e2eAlerts;
    const have = alerts.get(chatId) ?? [];
    if (have.some((x) => x.kind === a.kind && x.userId === a.userId)) return;
    alerts.set(chatId, [...have, a]);
    this.p.screen.render();
  }

  private async hasGroup(mls: EncryptedChats, chatId: number): Promise<boolean> {
    return mls.epoch(chatId) !== undefined || (await this.keys!.loadGroup(chatId)) !== undefined;
  }

  /** Encrypts and sends a text of the outbox (its client_id: a retry is stored once). */
  async send(e: ChatEntry, text: string, clientId: string, files: EncryptedFileRef[] = []): Promise<Message> {
    const mls = await this.ready();
    const m = await mls.send(e.summary.id, text, undefined, { clientId, files });
    if (!this.p.store.decrypted.get(m.id)?.edited) {
      const read = { text, ...(files.length > 0 && { files }) };
      this.p.store.decrypted.set(m.id, read);
      await this.keys?.putRead(m.id, read);
    }
    return m;
  }

  /** An edit of my message: a new ciphertext that refers to it; shown here at once. */
  async edit(e: ChatEntry, messageId: number, text: string): Promise<void> {
    const mls = await this.ready();
    const m = await mls.send(e.summary.id, text, messageId);
    // The files stay: an edit changes the text only.
    const files = this.p.store.decrypted.get(messageId)?.files;
    const r = { text, edited: true, ...(files && { files }) };
    this.p.store.decrypted.set(messageId, r);
    this.p.store.decrypted.set(m.id, { text });
    await this.keys?.putRead(messageId, r);
    await this.keys?.putRead(m.id, { text });
    e.timeline.upsert([m]);
    this.p.screen.render();
  }

  /**
   * The safety number with each other member of the chat, made from the devices in its MLS group
   * (who can really read it), and whether their devices changed since this device first saw them
   * (trust on first use, then loud changes); where the group and the server's lists differ, the
   * row says so.
   */
  async safetyNumbers(e: ChatEntry): Promise<void> {
    const s = this.p.store;
    const mls = await this.ready();
    const chatId = e.summary.id;
    const members = await mls.check.memberIds(chatId, true);
    const names = new Map((e.members ?? []).map((m) => [m.id, m.name]));
    const inGroup = await mls.groupDevices(chatId);
    const mine = groupKeysOf(inGroup, s.me.id);
    const rows: SafetyRow[] = [];
    for (const userId of new Set([...members, ...inGroup.map((d) => d.userId)])) {
      if (userId === s.me.id) continue;
      const theirs = groupKeysOf(inGroup, userId);
      const listed = [...(await mls.check.deviceKeys(userId, true)).values()];
      const change = keyChange(await this.keys!.knownKeys(userId), listed);
      if (change.status === "first_seen") await this.keys!.saveKnownKeys(userId, listed);
      rows.push({
        userId,
        name: names.get(userId) ?? s.nameOf(userId),
        number: formatSafetyNumber(safetyNumber(mine, theirs)),
        devices: theirs.keys.length,
        change,
        keys: listed,
        notMember: !members.has(userId),
        unlisted: theirs.keys.filter((k) => !listed.includes(k)).length,
        notJoined: listed.filter((k) => !theirs.keys.includes(k)).length,
      });
    }
    s.safety = { chatId: e.summary.id, rows };
    this.p.screen.render();
  }

  /** I compared the new number: its keys become the known ones. */
  async acceptKeys(userId: number): Promise<void> {
    const view = this.p.store.safety;
    const row = view?.rows.find((r) => r.userId === userId);
    if (!view || !row) return;
    await this.keys!.saveKnownKeys(userId, row.keys);
    for (const [chatId, alerts] of this.p.store.e2eAlerts) {
      const left = alerts.filter((a) => !(a.kind === "devices_changed" && a.userId === userId));
      if (left.length !== alerts.length) this.p.store.e2eAlerts.set(chatId, left);
    }
    // A new view object: the conversation redraws the panel when it changes.
    this.p.store.safety = {
      ...view,
      rows: view.rows.map((r) =>
        r === row ? { ...r, change: { status: "unchanged", added: [], removed: [] } } : r,
      ),
    };
    this.p.screen.render();
  }
}

function browserName(): string {
  const ua = navigator.userAgent;
  const name = /Firefox\//.test(ua)
    ? "Firefox"
    : /Edg\//.test(ua)
      ? "Edge"
      : /Chrom/.test(ua)
        ? "Chrome"
        : "Browser";
  return `${name} (web)`;
}
