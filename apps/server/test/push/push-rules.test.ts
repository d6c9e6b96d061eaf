/** Web Push's pure rules: VAPID keys at start, endpoint checks, @mention resolution. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import webpush from "web-push";
import { resolveVapidKeys } from "../../src/push/vapid.ts";
import { checkEndpoint } from "../../src/push/subscriptions.ts";
import { mentions } from "../../src/push/mentions.ts";

describe("Web Push rules", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "vapid-"));
    dirs.push(d);
    return d;
  };
  const quiet = () => undefined;

  it("outside production, keys are generated once into DATA_DIR and reused", () => {
    const dataDir = tmp();
    const warned: string[] = [];
    const first = resolveVapidKeys({ production: false, dataDir }, (m) => warned.push(m))!;
    const second = resolveVapidKeys({ production: false, dataDir }, quiet)!;
    expect(second).to.deep.equal(first);
    expect(Buffer.from(first.publicKey, "base64url")).to.have.length(65);
    expect(fs.statSync(path.join(dataDir, "vapid-keys.json")).mode & 0o777).to.equal(0o600);
    expect(warned.join()).to.include("generated");
    expect(fs.readdirSync(dataDir)).to.deep.equal(["vapid-keys.json"]);
  });

  it("production: no keys means push is off; keys need a subject; half a pair or a bad key stops the start", () => {
    const dataDir = tmp();
    expect(resolveVapidKeys({ production: true, dataDir }, quiet)).to.equal(undefined);
    expect(fs.readdirSync(dataDir)).to.deep.equal([]);
    const k = webpush.generateVAPIDKeys();
    expect(() => resolveVapidKeys({ ...k, production: true, dataDir }, quiet)).to.throw(/VAPID_SUBJECT/);
    expect(
      resolveVapidKeys({ ...k, subject: "mailto:ops@example.test", production: true, dataDir }, quiet),
    ).to.deep.equal({ ...k, subject: "mailto:ops@example.test" });
    expect(() => resolveVapidKeys({ publicKey: k.publicKey, production: false, dataDir }, quiet)).to.throw(
      /together/,
    );
    expect(() =>
      resolveVapidKeys({ publicKey: "short", privateKey: k.privateKey, production: false, dataDir }, quiet),
    ).to.throw(/refused/);
    expect(() => resolveVapidKeys({ ...k, subject: "ftp://x", production: false, dataDir }, quiet)).to.throw(
      /refused/,
    );
  });

  it("production endpoints: https to a named host only", () => {
    checkEndpoint("https://fcm.googleapis.com/fcm/send/abc", true);
    checkEndpoint("http://127.0.0.1:9/push/x", false);
    for (const bad of [
      "http://push.example.com/x",
      "https://127.0.0.1/x",
      "https://[::1]/x",
      "https://localhost/x",
      "https://intranet/x",
      "https://a.localhost/x",
    ])
      expect(() => checkEndpoint(bad, true), bad).to.throw(/endpoint/);
    expect(() => checkEndpoint("https://u:p@push.example.com/x", false)).to.throw(/credentials/);
  });

  it("@mentions name members by their whole name, in any case", () => {
    const members = [
      { id: 1, name: "Bob" },
      { id: 2, name: "Ann Lee" },
      { id: 3, name: "Иван" },
      { id: 4, name: "a.b" },
    ];
    const ids = (t: string) => [...mentions(t, members)].sort();
    expect(ids("hi @bob")).to.deep.equal([1]);
    expect(ids("@BOB, look")).to.deep.equal([1]);
    expect(ids("@bobby and mail bob@bob.example")).to.deep.equal([]);
    expect(ids("ask @Ann Lee and @иван!")).to.deep.equal([2, 3]);
    expect(ids("@Ann")).to.deep.equal([]);
    expect(ids("@a.b and @axb")).to.deep.equal([4]);
    expect(ids("no at sign")).to.deep.equal([]);
  });
});
