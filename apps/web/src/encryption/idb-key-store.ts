/**
 * The browser's KeyStore (packages/client's interface) in IndexedDB, one database per user of this
 * browser profile: the device identity, the private halves of its KeyPackages, each group's state
 * (ts-mls's own encoding: the state holds functions that IndexedDB cannot clone), the texts I
 * sent, and two things only the web app needs: the texts this device decrypted (MLS keys are used
 * once, so a reload cannot decrypt them again) and the device keys last seen for each contact (to
 * tell a key change).
 */
import { decodeClientState, encodeClientState, type EncryptedFileRef, type KeyStore } from "@chat/client";

type ClientState = NonNullable<Awaited<ReturnType<KeyStore["loadGroup"]>>>;
type Identity = NonNullable<Awaited<ReturnType<KeyStore["loadIdentity"]>>>;
type StoredKeyPackage = Awaited<ReturnType<KeyStore["keyPackages"]>>[number][1];
/** What a device read of one message: the text, or why it could not. */
export interface ReadText {
  text: string | null;
  /** Its files (with their keys: they stay on this device like the text). */
  files?: EncryptedFileRef[];
  reason?: "before_join" | "undecryptable";
  /** The text of a later edit by its sender. */
  edited?: boolean;
}

const STORES = ["meta", "keyPackages", "groups", "sent", "read", "contacts"] as const;
type StoreName = (typeof STORES)[number];

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

export class IdbKeyStore implements KeyStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(userId: number): Promise<IdbKeyStore> {
    const req = indexedDB.open(`chat.mls.${userId}`, 1);
    req.onupgradeneeded = () => {
      for (const s of STORES) if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s);
    };
    return new IdbKeyStore(await done(req));
  }

  private async get<T>(store: StoreName, key: IDBValidKey): Promise<T | undefined> {
    return (await done(this.db.transaction(store).objectStore(store).get(key))) as T | undefined;
  }

  private async put(store: StoreName, key: IDBValidKey, value: unknown): Promise<void> {
    const tx = this.db.transaction(store, "readwrite");
    tx.objectStore(store).put(value, key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB write failed"));
    });
  }

  loadIdentity() {
    return this.get<Identity>("meta", "identity");
  }
  saveIdentity(identity: Identity) {
    return this.put("meta", "identity", identity);
  }
  putKeyPackage(ref: string, kp: StoredKeyPackage) {
    return this.put("keyPackages", ref, kp);
  }
  async keyPackages(): Promise<[string, StoredKeyPackage][]> {
    const os = this.db.transaction("keyPackages").objectStore("keyPackages");
    const [keys, values] = await Promise.all([done(os.getAllKeys()), done(os.getAll())]);
    return keys.map((k, i) => [String(k), values[i] as StoredKeyPackage]);
  }
  async deleteKeyPackage(ref: string) {
    const tx = this.db.transaction("keyPackages", "readwrite");
    await done(tx.objectStore("keyPackages").delete(ref));
  }
  async loadGroup(chatId: number): Promise<ClientState | undefined> {
    const bytes = await this.get<Uint8Array>("groups", chatId);
    return bytes && decodeClientState(bytes);
  }
  saveGroup(chatId: number, state: ClientState) {
    return this.put("groups", chatId, encodeClientState(state));
  }
  putSent(clientId: string, text: string) {
    return this.put("sent", clientId.toLowerCase(), text);
  }
  getSent(clientId: string) {
    return this.get<string>("sent", clientId.toLowerCase());
  }

  /** What this device read of a message (by message id). */
  putRead(messageId: number, read: ReadText) {
    return this.put("read", messageId, read);
  }
  getRead(messageId: number) {
    return this.get<ReadText>("read", messageId);
  }

  /** The epoch at which this device joined a chat's group: what is older it cannot read. */
  joinedAt(chatId: number) {
    return this.get<number>("meta", `joined:${chatId}`);
  }
  saveJoinedAt(chatId: number, epoch: number) {
    return this.put("meta", `joined:${chatId}`, epoch);
  }

  /** The device keys last seen for a contact (sorted base64), to tell a key change. */
  knownKeys(userId: number) {
    return this.get<string[]>("contacts", userId);
  }
  saveKnownKeys(userId: number, keys: string[]) {
    return this.put("contacts", userId, [...keys].sort());
  }
}
