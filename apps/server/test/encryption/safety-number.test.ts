/**
 * Safety numbers (issue 17; the pure rules are tested in apps/web/test/safety-number.test.ts)
 * over two nodes: two users read
 * each other's device lists from the server and get the same number; a new device of one of them
 * changes it and is reported as a key change.
 */
import { expect } from "chai";
import { deviceKeysOf, keyChange, safetyNumber } from "@chat/client";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser } from "../support/users.ts";
import { useDevices } from "./mls-fixture.ts";

describe("safety numbers", function () {
  this.timeout(60_000);

  describe("between two users of the server", () => {
    const nodes = useTwoNodes({});
    const { device } = useDevices();

    it("both sides compute the same number from the server's lists; a new device changes it and is seen as a key change", async () => {
      const { a, b } = nodes;
      const [alice, bob] = await Promise.all([createUser(a.url, "Alice"), createUser(b.url, "Bob")]);
      await createGroup(a.url, alice, [bob]);
      const a1 = await device(a.url, alice, "a1", 0);
      const b1 = await device(b.url, bob, "b1", 0);
      const b2 = await device(a.url, bob, "b2", 0);
      const onAlice = async () =>
        safetyNumber(await deviceKeysOf(a1.api, alice.id), await deviceKeysOf(a1.api, bob.id));
      const onBob = async () =>
        safetyNumber(await deviceKeysOf(b1.api, bob.id), await deviceKeysOf(b1.api, alice.id));
      const first = await onAlice();
      expect(await onBob()).to.equal(first);
      // The keys in the list are the devices' own (what MLS signs with).
      const bobKeys = (await deviceKeysOf(a1.api, bob.id)).keys;
      expect(bobKeys).to.have.members(
        [b1, b2].map((d) => Buffer.from(d.mls.me.signaturePublicKey).toString("base64")),
      );

      // Bob's second device goes, a third comes: the number changes on both sides, the same way.
      await b1.api.call("removeDevice", { params: { device_id: b2.mls.me.deviceId } });
      const b3 = await device(b.url, bob, "b3", 0);
      const after = await onAlice();
      expect(after).to.not.equal(first);
      expect(await onBob()).to.equal(after);
      const change = keyChange(bobKeys, (await deviceKeysOf(a1.api, bob.id)).keys);
      expect(change.status).to.equal("changed");
      expect(change.added).to.deep.equal([Buffer.from(b3.mls.me.signaturePublicKey).toString("base64")]);
      expect(change.removed).to.deep.equal([Buffer.from(b2.mls.me.signaturePublicKey).toString("base64")]);
    });
  });
});
