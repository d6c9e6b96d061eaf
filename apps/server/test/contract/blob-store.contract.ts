/**
 * What every BlobStore (src/storage/blob-store.ts) promises: bytes round-trip as streams (whole or
 * a range), an absent key is `not_found` / undefined, deletes are idempotent, a write past its
 * bound stores nothing, concurrent writers of one key leave one whole version, an upload link
 * takes exactly the bytes it was made for and a download link serves them with the given
 * disposition and type; shared stores (S3) read on one node what another wrote; remote stores
 * (S3) answer a stalled server with the retryable `unavailable` within their timeout.
 */
import crypto from "node:crypto";
import { Readable } from "node:stream";
import { expect } from "chai";
import { AppError } from "@chat/protocol";
import type { BlobStore } from "../../src/storage/blob-store.ts";
import { sleep } from "../support/wait.ts";
import type { SeamFixture, SeamTraits } from "./fixture.ts";

export interface BlobFixture extends SeamFixture<BlobStore> {
  /** What relative links (the filesystem driver's) are resolved against. */
  baseUrl: string;
}

export interface BlobTraits extends SeamTraits {
  /** Links are checked by our own code (filesystem): tampering and expiry are refused here. S3's are checked by storage. */
  ownLinks: boolean;
  /** A store of the same kind pointed at a server that accepts connections and never answers. */
  stalled?(): Promise<{ store: BlobStore; timeoutMs: number; cleanup(): Promise<void> }>;
}

const key = () => `contract/${crypto.randomUUID()}`;
const bytes = (n: number) => crypto.randomBytes(n);
const put = (s: BlobStore, k: string, b: Buffer, maxBytes = b.length) =>
  s.put(k, Readable.from([b.subarray(0, b.length >> 1), b.subarray(b.length >> 1)]), {
    contentType: "application/octet-stream",
    maxBytes,
  });
async function read(s: BlobStore, k: string, range?: { start: number; end: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await s.get(k, range)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a failure").to.be.instanceOf(AppError);
  return err as AppError;
}

export function blobStoreContract(make: () => Promise<BlobFixture>, traits: BlobTraits) {
  let fx: BlobFixture;
  let store: BlobStore;
  const abs = (url: string) => new URL(url, fx.baseUrl).toString();
  beforeEach(async () => {
    fx = await make();
    store = fx.impl;
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it("round-trips bytes as a stream; head tells the size; a range reads part", async () => {
    const k = key();
    const data = bytes(300_000);
    expect(await put(store, k, data)).to.deep.equal({ size: data.length });
    expect((await read(store, k)).equals(data)).to.equal(true);
    expect(await store.head(k)).to.deep.equal({ size: data.length });
    expect((await read(store, k, { start: 10, end: 4105 })).equals(data.subarray(10, 4106))).to.equal(true);
  });

  it("an absent key: get is not_found, head is undefined, delete is fine", async () => {
    const k = key();
    expect((await failure(store.get(k))).code).to.equal("not_found");
    expect(await store.head(k)).to.equal(undefined);
    await store.delete(k);
  });

  it("delete removes, and may be repeated", async () => {
    const k = key();
    await put(store, k, bytes(10));
    await store.delete(k);
    await store.delete(k);
    expect(await store.head(k)).to.equal(undefined);
  });

  it("move: the bytes go to the new key (replacing it), the old key is gone; an absent source is not_found", async () => {
    const [from, to] = [key(), key()];
    const data = bytes(90_000);
    await put(store, from, data);
    await put(store, to, bytes(10));
    await store.move(from, to);
    expect(await store.head(from)).to.equal(undefined);
    expect((await read(store, to)).equals(data)).to.equal(true);
    expect((await failure(store.move(key(), key()))).code).to.equal("not_found");
  });

  it("a write past its bound fails with payload_too_large and leaves what was there", async () => {
    const k = key();
    const before = bytes(100);
    await put(store, k, before);
    expect((await failure(put(store, k, bytes(1001), 1000))).code).to.equal("payload_too_large");
    expect((await read(store, k)).equals(before)).to.equal(true);
    const fresh = key();
    expect((await failure(put(store, fresh, bytes(1001), 1000))).code).to.equal("payload_too_large");
    expect(await store.head(fresh)).to.equal(undefined);
  });

  it("concurrent writers of one key leave one whole version", async () => {
    const k = key();
    const versions = Array.from({ length: 5 }, () => bytes(200_000));
    await Promise.all(versions.map((v) => put(store, k, v)));
    const got = await read(store, k);
    expect(versions.some((v) => v.equals(got))).to.equal(true);
  });

  it("keys that could leave the store are refused", async () => {
    for (const bad of ["../x", "a/../../x", "/abs", "a//b", "", "a/./b", "sp ace"]) {
      expect((await failure(put(store, bad, bytes(1)))).code, bad).to.equal("validation_failed");
    }
  });

  it("an upload link takes the bytes it was made for; a download link serves them as told", async () => {
    const k = key();
    const data = bytes(50_000);
    const target = await store.uploadTarget(k, {
      size: data.length,
      contentType: "image/png",
      expiresIn: 60,
    });
    expect(target.method).to.equal("PUT");
    expect(target.headers).to.deep.equal({ "Content-Type": "image/png" });
    const up = await fetch(abs(target.url), { method: "PUT", headers: target.headers, body: data });
    expect(up.status).to.equal(200);
    expect(await store.head(k)).to.deep.equal({ size: data.length });
    const disposition = `attachment; filename="a_b.png"; filename*=UTF-8''a%E2%80%94b.png`;
    const url = await store.downloadUrl(k, {
      disposition,
      contentType: "application/octet-stream",
      expiresIn: 60,
    });
    const down = await fetch(abs(url));
    expect(down.status).to.equal(200);
    expect(down.headers.get("content-disposition")).to.equal(disposition);
    expect(down.headers.get("content-type")).to.equal("application/octet-stream");
    expect(Buffer.from(await down.arrayBuffer()).equals(data)).to.equal(true);
  });

  if (traits.ownLinks) {
    it("a tampered or expired link is refused (403); an upload of other bytes or type is refused", async () => {
      const k = key();
      await put(store, k, bytes(10));
      const opts = { disposition: "attachment", contentType: "application/octet-stream" };
      const good = await store.downloadUrl(k, { ...opts, expiresIn: 60 });
      const flip = (u: string, i: number) => u.slice(0, i) + (u[i] === "A" ? "B" : "A") + u.slice(i + 1);
      const sig = good.lastIndexOf(".") + 5;
      const payload = good.lastIndexOf("/") + 5;
      const base = good.slice(0, good.lastIndexOf("/") + 1);
      const junk = [
        "x",
        "x.y",
        ".",
        "..",
        "%00",
        "%ff.%fe",
        "a".repeat(5000),
        "e30.",
        "%2e%2e%2fetc",
        "😀.😀",
      ];
      for (const bad of [
        flip(good, sig),
        flip(good, payload),
        good.slice(0, -1),
        `${good}.x`,
        ...junk.map((j) => base + j),
      ]) {
        const r = await fetch(abs(bad));
        expect(r.status, bad).to.be.oneOf(junk.some((j) => bad === base + j) ? [400, 403, 404] : [403]);
        expect(r.headers.get("content-disposition")).to.equal(null);
      }
      const short = await store.downloadUrl(k, { ...opts, expiresIn: 1 });
      expect((await fetch(abs(short))).status).to.equal(200);
      await sleep(2100); // the link's lifetime is what is under test
      expect((await fetch(abs(short))).status).to.equal(403);

      const u = key();
      const t = await store.uploadTarget(u, { size: 100, contentType: "image/png", expiresIn: 60 });
      const send = (body: Buffer, type = "image/png") =>
        fetch(abs(t.url), { method: "PUT", headers: { "Content-Type": type }, body: new Uint8Array(body) });
      expect((await send(bytes(101))).status).to.equal(413);
      expect((await send(bytes(99))).status).to.equal(400);
      expect((await send(bytes(100), "text/html")).status).to.equal(400);
      expect((await fetch(abs(good), { method: "PUT", body: bytes(10) })).status).to.equal(403);
      expect(await store.head(u)).to.equal(undefined);
      const expired = await store.uploadTarget(u, { size: 100, contentType: "image/png", expiresIn: 1 });
      await sleep(2100);
      const late = await fetch(abs(expired.url), {
        method: "PUT",
        headers: expired.headers,
        body: bytes(100),
      });
      expect(late.status).to.equal(403);
      expect(await store.head(u)).to.equal(undefined);
    });
  } else {
    // s3rver checks neither signatures nor expiry: what real storage enforces is checked in the link.
    it("links are signed over the size and type, and expire when told", async () => {
      const t = await store.uploadTarget(key(), { size: 100, contentType: "image/png", expiresIn: 120 });
      const q = new URL(t.url).searchParams;
      expect(q.get("X-Amz-Expires")).to.equal("120");
      expect(q.get("X-Amz-SignedHeaders")?.split(";")).to.include.members(["content-length", "content-type"]);
      expect(q.get("x-amz-checksum-crc32")).to.equal(null);
      const d = new URL(
        await store.downloadUrl(key(), { disposition: "inline", contentType: "image/png", expiresIn: 30 }),
      ).searchParams;
      expect(d.get("X-Amz-Expires")).to.equal("30");
      expect(d.get("response-content-disposition")).to.equal("inline");
      expect(d.get("response-content-type")).to.equal("image/png");
    });
  }

  if (traits.cluster) {
    it("a blob written through one node is read through another", async () => {
      const other = (await fx.otherNode!()).impl;
      const k = key();
      const data = bytes(70_000);
      await put(store, k, data);
      expect((await read(other, k)).equals(data)).to.equal(true);
      await other.delete(k);
      expect(await store.head(k)).to.equal(undefined);
    });
  }

  if (traits.stalled) {
    it("a storage that accepts and never answers: every call fails retryable within the timeout", async function () {
      this.timeout(30_000);
      const { store: stuck, timeoutMs, cleanup } = await traits.stalled!();
      try {
        const calls: Array<[string, () => Promise<unknown>]> = [
          ["head", () => stuck.head(key())],
          ["get", () => stuck.get(key())],
          ["delete", () => stuck.delete(key())],
          ["put", () => put(stuck, key(), bytes(1000))],
        ];
        for (const [what, run] of calls) {
          const started = Date.now();
          const err = await failure(run());
          const took = Date.now() - started;
          expect([what, err.code, err.retryable]).to.deep.equal([what, "unavailable", true]);
          // Calls without a body have one deadline; a write's is an idle timeout per attempt.
          expect(took, what).to.be.below((what === "put" ? 2 : 1) * timeoutMs + 500);
        }
      } finally {
        await cleanup();
      }
    });
  }
}
