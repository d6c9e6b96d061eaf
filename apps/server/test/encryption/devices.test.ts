/**
 * Devices and KeyPackages (issue 17): the registry, KeyPackages checked with ts-mls on upload,
 * one-time KeyPackages handed out once however many claims race, the last-resort one after
 * that, the low-stock signal, and who may see or claim whose devices.
 */
import { expect } from "chai";
import request from "supertest";
import { ApiClient, ChatSocket, EncryptedChats, MemoryKeyStore, registerDevice } from "@chat/client";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { randomSignatureKey } from "../rest/helpers/route-samples.ts";
import { claimKeyPackages, useDevices } from "./mls-fixture.ts";

describe("devices and KeyPackages", function () {
  this.timeout(60_000);
  const node = useNode();
  const { device } = useDevices();

  it("register, list, rename, remove; a key is registered once; 404 for someone else's device", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const key = randomSignatureKey();
    const d = await request(node.url)
      .post("/api/v1/devices")
      .set(u.auth)
      .send({ name: "laptop", signature_key: key })
      .expect(201);
    expect(d.body).to.include({ user_id: u.id, name: "laptop", signature_key: key });
    const again = await request(node.url)
      .post("/api/v1/devices")
      .set(v.auth)
      .send({ name: "x", signature_key: key });
    expect(again.status).to.equal(409);
    const short = await request(node.url)
      .post("/api/v1/devices")
      .set(u.auth)
      .send({ name: "x", signature_key: Buffer.alloc(16).toString("base64") });
    expect(short.status).to.equal(400);
    await request(node.url)
      .patch(`/api/v1/devices/${d.body.id}`)
      .set(u.auth)
      .send({ name: "work laptop" })
      .expect(200);
    const theirs = await request(node.url)
      .patch(`/api/v1/devices/${d.body.id}`)
      .set(v.auth)
      .send({ name: "mine" });
    expect(theirs.status).to.equal(404);
    const list = await request(node.url).get("/api/v1/devices").set(u.auth).expect(200);
    expect(list.body.devices.map((x: { name: string }) => x.name)).to.deep.equal(["work laptop"]);
    // V shares no chat with U: U's devices are not V's business.
    expect((await request(node.url).get(`/api/v1/users/${u.id}/devices`).set(v.auth)).status).to.equal(404);
    await createGroup(node.url, u, [v]);
    const seen = await request(node.url).get(`/api/v1/users/${u.id}/devices`).set(v.auth).expect(200);
    expect(seen.body.devices).to.have.length(1);
    await request(node.url).delete(`/api/v1/devices/${d.body.id}`).set(u.auth).expect(200);
    expect(
      (await request(node.url).get("/api/v1/devices").set(u.auth).expect(200)).body.devices,
    ).to.deep.equal([]);
    expect((await request(node.url).delete(`/api/v1/devices/${d.body.id}`).set(u.auth)).status).to.equal(404);
    // A removed device cannot open a socket.
    const s = new ChatSocket(node.url, { token: u.token, deviceId: d.body.id, transports: ["websocket"] });
    const refused = await s.ready().catch((e: unknown) => e);
    s.close();
    expect((refused as { code?: string }).code).to.equal("device_required");
  });

  it("KeyPackages are checked on upload: this device's credential and key, a valid signature", async () => {
    const u = await createUser(node.url, "U");
    const d1 = await device(node.url, u, "d1", 0);
    const d2 = await device(node.url, u, "d2", 0);
    // d2's KeyPackage uploaded as d1's: refused, nothing stored.
    const api = new ApiClient(node.url, { token: u.token });
    const store = new MemoryKeyStore();
    const other = new EncryptedChats(api, d2.socket, store, d2.mls.me);
    await other.uploadKeyPackages(1, false);
    const [mine] = (await claimKeyPackages(node.url, u, [d2.mls.me.deviceId])).key_packages;
    const wrong = await request(node.url)
      .post(`/api/v1/devices/${d1.mls.me.deviceId}/key-packages`)
      .set(u.auth)
      .send({ key_packages: [mine.key_package] });
    expect(wrong.status).to.equal(422);
    expect(wrong.body.error.code).to.equal("mls_rejected");
    // Garbage, and a flipped byte in a real one (the signature no longer verifies).
    const garbage = await request(node.url)
      .post(`/api/v1/devices/${d1.mls.me.deviceId}/key-packages`)
      .set(u.auth)
      .send({ key_packages: [Buffer.from("not a key package").toString("base64")] });
    expect(garbage.status).to.equal(422);
    await other.uploadKeyPackages(1, false);
    const [fresh] = (await claimKeyPackages(node.url, u, [d2.mls.me.deviceId])).key_packages;
    const bytes = Buffer.from(fresh.key_package, "base64");
    bytes[bytes.length - 3] ^= 0xff;
    const tampered = await request(node.url)
      .post(`/api/v1/devices/${d2.mls.me.deviceId}/key-packages`)
      .set(u.auth)
      .send({ key_packages: [bytes.toString("base64")] });
    expect(tampered.status).to.equal(422);
    const stock = await request(node.url)
      .get(`/api/v1/devices/${d1.mls.me.deviceId}/key-packages`)
      .set(u.auth)
      .expect(200);
    expect(stock.body).to.include({ stock: 0, last_resort: false, low: true });
    other.close();
  });

  it("20 claims racing for 5 KeyPackages: each one-time KeyPackage goes out once, then the last-resort one; the owner hears of low stock", async () => {
    const owner = await createUser(node.url, "Owner");
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => createUser(node.url, `C${i}`)));
    await createGroup(node.url, owner, others);
    const d = await device(node.url, owner, "d", 5);
    const low: number[] = [];
    d.socket.on("key_packages:low", (s) => low.push(s.stock));
    const claims = await Promise.all(others.map((o) => claimKeyPackages(node.url, o, [d.mls.me.deviceId])));
    const got = claims.map((c) => c.key_packages[0]);
    const oneTime = got.filter((k) => !k.last_resort).map((k) => k.key_package);
    expect(oneTime).to.have.length(5);
    expect(new Set(oneTime).size).to.equal(5);
    const lastResort = got.filter((k) => k.last_resort).map((k) => k.key_package);
    expect(lastResort).to.have.length(15);
    expect(new Set(lastResort).size).to.equal(1);
    await eventually(() => expect(low).to.include(0));
    // Someone who shares no chat with the owner may not claim.
    const stranger = await createUser(node.url, "Stranger");
    const refused = await request(node.url)
      .post("/api/v1/key-packages/claim")
      .set(stranger.auth)
      .send({ device_ids: [d.mls.me.deviceId] });
    expect(refused.status).to.equal(403);
    // A device without any KeyPackage is reported missing, not an error.
    const bare = await registerDevice(
      new ApiClient(node.url, { token: owner.token }),
      new MemoryKeyStore(),
      owner.id,
      "bare",
    );
    const none = await claimKeyPackages(node.url, owner, [bare.deviceId]);
    expect(none).to.deep.equal({ key_packages: [], missing: [bare.deviceId] });
  });
});
