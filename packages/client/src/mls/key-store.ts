/**
 * Where a device keeps its MLS secrets: its signature key, the private halves of its KeyPackages,
 * each group's state, and the texts it sent (MLS cannot decrypt a device's own messages). One
 * narrow interface; the memory implementation serves tests and bots, a browser one (IndexedDB)
 * comes with the web app.
 */
import {
  decodeGroupState,
  encodeGroupState,
  type ClientState,
  type KeyPackage,
  type PrivateKeyPackage,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";

export interface DeviceIdentity {
  userId: number;
  deviceId: string;
  /** Ed25519, as ts-mls makes them. */
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
}

interface StoredKeyPackage {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
  lastResort: boolean;
}

export interface KeyStore {
  loadIdentity(): Promise<DeviceIdentity | undefined>;
  saveIdentity(identity: DeviceIdentity): Promise<void>;
  /** By KeyPackageRef (base64). */
  putKeyPackage(ref: string, kp: StoredKeyPackage): Promise<void>;
  keyPackages(): Promise<[string, StoredKeyPackage][]>;
  deleteKeyPackage(ref: string): Promise<void>;
  loadGroup(chatId: number): Promise<ClientState | undefined>;
  saveGroup(chatId: number, state: ClientState): Promise<void>;
  putSent(clientId: string, text: string): Promise<void>;
  getSent(clientId: string): Promise<string | undefined>;
}

/**
 * A group's state as bytes (ts-mls's own encoding) and back, for stores that cannot keep the
 * object itself (IndexedDB cannot clone the functions of its client config).
 */
export const encodeClientState = (state: ClientState): Uint8Array => encodeGroupState(state);
export function decodeClientState(bytes: Uint8Array): ClientState | undefined {
  const decoded = decodeGroupState(bytes, 0);
  return decoded && { ...decoded[0], clientConfig: defaultClientConfig };
}

export class MemoryKeyStore implements KeyStore {
  private identity: DeviceIdentity | undefined;
  private readonly kps = new Map<string, StoredKeyPackage>();
  private readonly groups = new Map<number, ClientState>();
  private readonly sent = new Map<string, string>();

  async loadIdentity() {
    return this.identity;
  }
  async saveIdentity(identity: DeviceIdentity) {
    this.identity = identity;
  }
  async putKeyPackage(ref: string, kp: StoredKeyPackage) {
    this.kps.set(ref, kp);
  }
  async keyPackages() {
    return [...this.kps];
  }
  async deleteKeyPackage(ref: string) {
    this.kps.delete(ref);
  }
  async loadGroup(chatId: number) {
    return this.groups.get(chatId);
  }
  async saveGroup(chatId: number, state: ClientState) {
    this.groups.set(chatId, state);
  }
  async putSent(clientId: string, text: string) {
    this.sent.set(clientId.toLowerCase(), text);
  }
  async getSent(clientId: string) {
    return this.sent.get(clientId.toLowerCase());
  }
}
