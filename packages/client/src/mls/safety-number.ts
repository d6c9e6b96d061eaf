/**
 * Safety numbers (issue 17): what two people compare in person to check that the devices the
 * server lists for each of them are really theirs. Built like Signal's numeric fingerprint
 * (SHA-512 iterated 5,200 times over a version, the keys and the user id; 30 bytes shown as six
 * 5-digit groups per user), with the user's key being every live device's Ed25519 signature key,
 * sorted, so adding, removing or replacing a device changes the number. In a chat the keys are
 * those of the user's devices in its MLS group (its leaves: who can really read it), not the
 * server's lists. Only a standard hash
 * (`@noble/hashes`); the two halves are put in user-id order, so both sides see the same 60 digits.
 */
import { sha512 } from "@noble/hashes/sha2.js";
import type { RestCaller } from "./encrypted-chats.ts";
import type { GroupDevice } from "./group-check.ts";

/** One user's side: the user and the signature public keys of their live devices. */
export interface DeviceKeys {
  userId: number;
  /** Ed25519 public keys, base64 as `/users/{id}/devices` lists them. */
  keys: string[];
}

const VERSION = new Uint8Array([0, 1]);
const ITERATIONS = 5200;
const enc = new TextEncoder();

const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The keys in one canonical order (bytewise), so the server's list order does not matter. */
function keyBytes(keys: string[]): Uint8Array {
  const sorted = keys.map(unb64).sort((x, y) => {
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  });
  return concat(...sorted);
}

/** 30 digits for one user. */
function half(side: DeviceKeys): string {
  const keys = keyBytes(side.keys);
  let hash = sha512(concat(VERSION, keys, enc.encode(`user:${side.userId}`)));
  for (let i = 1; i < ITERATIONS; i++) hash = sha512(concat(hash, keys));
  let digits = "";
  for (let i = 0; i < 30; i += 5) {
    // Five bytes as a 40-bit number, modulo 100,000 (as Signal does).
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + hash[i + j]!;
    digits += String(n % 100_000).padStart(5, "0");
  }
  return digits;
}

/** The 60-digit safety number of a pair of users, the same whichever side computes it. */
export function safetyNumber(a: DeviceKeys, b: DeviceKeys): string {
  const [first, second] = a.userId <= b.userId ? [a, b] : [b, a];
  return half(first) + half(second);
}

/** "12345 67890 …": twelve groups, for people to read out. */
export const formatSafetyNumber = (n: string) => n.match(/.{1,5}/g)?.join(" ") ?? n;

/** How a contact's device keys changed since this device last saw them. */
interface KeyChange {
  /** first_seen: nothing known yet; changed: a device added, removed or replaced. */
  status: "first_seen" | "unchanged" | "changed";
  added: string[];
  removed: string[];
}

/** Compares the keys known for a contact with the ones listed now. */
export function keyChange(known: string[] | undefined, current: string[]): KeyChange {
  if (known === undefined) return { status: "first_seen", added: [...current], removed: [] };
  const was = new Set(known);
  const now = new Set(current);
  const added = current.filter((k) => !was.has(k));
  const removed = known.filter((k) => !now.has(k));
  return { status: added.length || removed.length ? "changed" : "unchanged", added, removed };
}

/** A user's live device keys as the server lists them (mine, or someone I share a chat with). */
export async function deviceKeysOf(api: RestCaller, userId: number): Promise<DeviceKeys> {
  const { devices } = await api.call("userDevices", { params: { user_id: userId } });
  return { userId, keys: devices.map((d) => d.signature_key) };
}

/** A user's device keys in a chat's group (its leaves), as `safetyNumber` takes them. */
export function groupKeysOf(devices: GroupDevice[], userId: number): DeviceKeys {
  return { userId, keys: devices.filter((d) => d.userId === userId).map((d) => d.key) };
}
