/**
 * Who may be in a chat's MLS group, as this device checks it (issue 17). ts-mls asks its
 * AuthenticationService about every credential it meets: a device added by a commit, a committer's
 * new leaf (an external commit's joiner), every leaf of a group this device joins, the external
 * sender. Its default accepts everything, so a server could slip any device of a member (or of
 * anyone) into a group. This check accepts a device's credential only when its user is a member
 * of the chat and its signature key is that device's key in the user's device registry, both as
 * this client fetched them; and the server's credential only with the key it lists as external
 * sender. What the server could still lie about are those lists: the safety numbers, computed
 * from the group's own leaves (`groupDeviceKeys`), make that visible.
 */
import type { AuthenticationService, ClientState, Credential } from "ts-mls";
import { parseMlsIdentity } from "@chat/protocol";
import type { RestCaller } from "./encrypted-chats.ts";

/** Why a credential was refused. */
export type RefusalReason = "not_member" | "unknown_key" | "bad_identity";

/** A credential of a chat's group this device refused (the commit that carried it is not applied). */
export interface Refusal {
  chatId: number;
  reason: RefusalReason;
  userId?: number;
  deviceId?: string;
}

/** One device in a group's tree, as its leaf says. */
export interface GroupDevice {
  userId: number;
  deviceId: string;
  /** Its signature public key, base64. */
  key: string;
}

const SERVER_IDENTITY = "server";

const dec = new TextDecoder();
const b64 = (b: Uint8Array) => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
};

/** The device ids and keys in a group's tree (the server's external sender is not a leaf). */
export function groupDeviceKeys(state: ClientState): GroupDevice[] {
  return state.ratchetTree.flatMap((n) => {
    if (n?.nodeType !== "leaf" || n.leaf.credential.credentialType !== "basic") return [];
    const id = parseMlsIdentity(dec.decode(n.leaf.credential.identity));
    return id ? [{ ...id, key: b64(n.leaf.signaturePublicKey) }] : [];
  });
}

export class GroupCheck {
  private readonly members = new Map<number, Set<number>>();
  private readonly devices = new Map<number, Map<string, string>>();
  private serverKey: Promise<string> | undefined;
  /** The last credential refused in each chat, for the commit's processing to report. */
  private readonly refused = new Map<number, Refusal>();

  constructor(private readonly api: RestCaller) {}

  /** ts-mls's credential check for one chat's group. */
  serviceFor(chatId: number): AuthenticationService {
    return { validateCredential: (c, key) => this.validate(chatId, c, key) };
  }

  /** The refusal recorded since the last call, if any (cleared by reading it). */
  takeRefusal(chatId: number): Refusal | undefined {
    const r = this.refused.get(chatId);
    this.refused.delete(chatId);
    return r;
  }

  /** The chat's members as the server lists them (cached; `fresh` refetches). */
  async memberIds(chatId: number, fresh = false): Promise<Set<number>> {
    return this.cached(this.members, chatId, fresh, async () => {
      const { members } = await this.api.call("listMembers", { params: { chat_id: chatId } });
      return new Set(members.map((m) => m.id));
    });
  }

  /** A user's live devices (id → signature key) as the server lists them (cached; `fresh` refetches). */
  async deviceKeys(userId: number, fresh = false): Promise<Map<string, string>> {
    return this.cached(this.devices, userId, fresh, async () => {
      const { devices } = await this.api.call("userDevices", { params: { user_id: userId } });
      return new Map(devices.map((d) => [d.id.toLowerCase(), d.signature_key]));
    });
  }

  private async validate(chatId: number, credential: Credential, key: Uint8Array): Promise<boolean> {
    if (credential.credentialType !== "basic") return this.refuse({ chatId, reason: "bad_identity" });
    const identity = dec.decode(credential.identity);
    if (identity === SERVER_IDENTITY) {
      this.serverKey ??= this.api.call("externalSender").then((s) => s.signature_key);
      this.serverKey.catch(() => (this.serverKey = undefined));
      return (await this.serverKey) === b64(key) || this.refuse({ chatId, reason: "unknown_key" });
    }
    const id = parseMlsIdentity(identity);
    if (!id) return this.refuse({ chatId, reason: "bad_identity" });
    const who = { chatId, userId: id.userId, deviceId: id.deviceId };
    const isMember = async (fresh: boolean) => (await this.memberIds(chatId, fresh)).has(id.userId);
    // Not known (yet): asked again, once, before refusing.
    if (!(await isMember(false)) && !(await isMember(true)))
      return this.refuse({ ...who, reason: "not_member" });
    const listed = async (fresh: boolean) =>
      (await this.deviceKeys(id.userId, fresh)).get(id.deviceId) === b64(key);
    if (!(await listed(false)) && !(await listed(true)))
      return this.refuse({ ...who, reason: "unknown_key" });
    return true;
  }

  private refuse(r: Refusal): false {
    this.refused.set(r.chatId, r);
    return false;
  }

  /**
   * A list as last fetched, or fetched now (`fresh`: after a miss, since a member or device may
   * have been added since; one fetch per credential the cache does not know).
   */
  private async cached<K, T>(map: Map<K, T>, key: K, fresh: boolean, fetch: () => Promise<T>): Promise<T> {
    const have = map.get(key);
    if (have && !fresh) return have;
    const value = await fetch();
    map.set(key, value);
    return value;
  }
}
