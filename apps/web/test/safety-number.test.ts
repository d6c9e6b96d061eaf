// Safety numbers (packages/client, shown by the web app): the pure rules. The server test
// apps/server/test/encryption/safety-number.test.ts checks two users of a real server agree.
import { describe, expect, it } from "vitest";
import { formatSafetyNumber, keyChange, safetyNumber, type DeviceKeys } from "@chat/client";

const key = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

describe("safety numbers", () => {
  const alice: DeviceKeys = { userId: 7, keys: [key(), key()] };
  const bob: DeviceKeys = { userId: 12, keys: [key()] };
  const n = safetyNumber(alice, bob);

  it("is 60 digits, the same on both sides and whatever the order of the devices", () => {
    expect(n).toMatch(/^\d{60}$/);
    expect(safetyNumber(bob, alice)).toBe(n);
    expect(safetyNumber({ ...alice, keys: [...alice.keys].reverse() }, bob)).toBe(n);
    expect(formatSafetyNumber(n).split(" ")).toHaveLength(12);
  });

  it("changes when a device is added, removed or replaced, and with the user it is bound to", () => {
    const other = key();
    expect(safetyNumber({ ...alice, keys: [...alice.keys, other] }, bob)).not.toBe(n);
    expect(safetyNumber({ ...alice, keys: alice.keys.slice(1) }, bob)).not.toBe(n);
    expect(safetyNumber({ ...alice, keys: [alice.keys[0]!, other] }, bob)).not.toBe(n);
    expect(safetyNumber({ ...alice, userId: 8 }, bob)).not.toBe(n);
    // Only Alice's half moves when her devices change: Bob's 30 digits stay.
    expect(safetyNumber({ ...alice, keys: [other] }, bob).slice(30)).toBe(n.slice(30));
  });

  it("reports a key change: first seen, unchanged, added and removed keys", () => {
    expect(keyChange(undefined, ["k1"]).status).toBe("first_seen");
    expect(keyChange(["k1", "k2"], ["k2", "k1"]).status).toBe("unchanged");
    expect(keyChange(["k1", "k2"], ["k2", "k3"])).toEqual({
      status: "changed",
      added: ["k3"],
      removed: ["k1"],
    });
  });
});
