/**
 * `device:bind` (issue 17): a socket opened before its browser registered an MLS device speaks for
 * that device from then on without reconnecting — only a live device of its own user, only one
 * device per connection; until then MLS events need a device.
 */
import { expect } from "chai";
import request from "supertest";
import { AckError, ChatSocket } from "@chat/client";
import { useNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";
import { randomSignatureKey } from "../rest/helpers/route-samples.ts";

describe("device:bind: a connection takes its device without reconnecting", function () {
  this.timeout(60_000);
  const node = useNode();
  const sockets: ChatSocket[] = [];
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));

  const open = (token: string) => {
    const s = new ChatSocket(node.url, { token, transports: ["websocket"] });
    sockets.push(s);
    return s;
  };
  const newDevice = async (auth: Record<string, string>) =>
    (
      await request(node.url)
        .post("/api/v1/devices")
        .set(auth)
        .send({ name: "browser", signature_key: randomSignatureKey() })
        .expect(201)
    ).body.id as string;
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: unknown) => (e as AckError).code,
    );

  it("binds a live device of mine once, on the same connection; MLS events work from then on", async () => {
    const u = await createUser(node.url, "U");
    const s = open(u.token);
    await s.ready();
    const engineId = s.socket.id;
    expect(await codeOf(s.request("mls:welcomes", {}))).to.equal("device_required");
    const d = await newDevice(u.auth);
    expect(await s.request("device:bind", { device_id: d })).to.deep.equal({ device_id: d });
    expect(await s.request("mls:welcomes", {})).to.have.property("welcomes");
    // Again with the same device: fine; with another: refused, the first stays.
    expect(await s.request("device:bind", { device_id: d.toUpperCase() })).to.deep.equal({ device_id: d });
    const other = await newDevice(u.auth);
    expect(await codeOf(s.request("device:bind", { device_id: other }))).to.equal("conflict");
    expect(s.socket.id, "the same connection throughout").to.equal(engineId);
  });

  it("refuses someone else's, a removed and a made-up device, and bad input", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const s = open(u.token);
    await s.ready();
    const vs = await newDevice(v.auth);
    expect(await codeOf(s.request("device:bind", { device_id: vs }))).to.equal("device_required");
    const gone = await newDevice(u.auth);
    await request(node.url).delete(`/api/v1/devices/${gone}`).set(u.auth).expect(200);
    expect(await codeOf(s.request("device:bind", { device_id: gone }))).to.equal("device_required");
    expect(await codeOf(s.request("device:bind", { device_id: crypto.randomUUID() }))).to.equal(
      "device_required",
    );
    for (const bad of [{}, { device_id: "x" }, { device_id: 5 }, { device_id: vs, extra: 1 }])
      expect(await codeOf(s.request("device:bind", bad as never))).to.equal("validation_failed");
    expect(await codeOf(s.request("mls:welcomes", {}))).to.equal("device_required");
  });
});
