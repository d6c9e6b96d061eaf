/**
 * Attachments on a two-node cluster with S3 (s3rver, started here): the bytes go from the client
 * straight to storage and back, never through a node; a file uploaded through node A is fetched
 * through node B by another member of the chat it was sent to (sent with `attachment_ids`, and
 * carried by the message there). s3rver checks neither signatures nor expiry: what it would let
 * through (an empty or over-long PUT) is caught at completion; signature and expiry are checked
 * in the links (test/contract/blob-store.test.ts) and, for the node's own links, in access.test.ts.
 */
import crypto from "node:crypto";
import net from "node:net";
import { expect } from "chai";
import request from "supertest";
import { startTestNode, type TestNode } from "../support/node.ts";
import { startTwoNodes, stopTwoNodes, type TwoNodes } from "../support/two-nodes.ts";
import { startS3rver } from "../support/s3rver.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { expectError } from "../rest/helpers/expect.ts";
import { askUpload, complete, fetchLink, putBytes, sendWithFiles } from "../support/attachments.ts";
import { tinyPng } from "../support/images.ts";
import { memoryLogger } from "../rest/helpers/logs.ts";

describe("attachments: two nodes on S3 (s3rver)", function () {
  this.timeout(60_000);
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let two: TwoNodes | undefined;
  let a: TestNode;
  let b: TestNode;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let chatId: number;

  before(async () => {
    s3 = await startS3rver();
    two = await startTwoNodes({ REDIS_KEY_PREFIX: "att-s3", ...s3.env(await s3.freshBucket()) });
    ({ a, b } = two);
    [alice, bob, carol] = await Promise.all(["Alice", "Bob", "Carol"].map((n) => createUser(a.url, n)));
    chatId = await createGroup(a.url, alice, [bob], "pictures");
  });
  after(async () => {
    await stopTwoNodes(two);
    await s3?.close();
  });

  it("uploaded through node A straight to storage, fetched through node B by another member", async () => {
    const png = await tinyPng(50, 20);
    const asked = await askUpload(a.url, alice, { name: "red.png", size: png.length, mime: "image/png" });
    // Straight to storage: the link is S3's, signed over the size and type.
    expect(asked.upload.url.startsWith(`${s3.endpoint()}/`)).to.equal(true);
    expect(new URL(asked.upload.url).searchParams.get("X-Amz-SignedHeaders")).to.include("content-length");
    expect((await putBytes(a.url, asked, png)).status).to.equal(200);
    const done = await complete(a.url, alice, asked.id).expect(200);
    expect(done.body).to.include({ mime: "image/png", width: 50, height: 20 });

    // Not sent yet: only Alice may fetch it.
    await request(b.url).get(done.body.url).set(alice.auth).expect(302);
    await request(b.url).get(done.body.url).set(bob.auth).expect(404);

    const message = await sendWithFiles(a.url, alice, chatId, [asked.id], "a picture");
    // As messages carry it, on the other node too.
    const page = await request(b.url)
      .get(`/api/v1/chats/${chatId}/messages?after_seq=0`)
      .set(bob.auth)
      .expect(200);
    const carried = page.body.messages.find((m: { id: number }) => m.id === message.id);
    expect(carried.attachments).to.deep.equal([done.body]);

    const res = await request(b.url).get(done.body.url).set(bob.auth).expect(302);
    // The web client may load and upload files there (its Content-Security-Policy says so).
    const csp = (await request(b.url).get("/healthz")).headers["content-security-policy"] as string;
    for (const d of ["img-src", "connect-src"])
      expect(csp).to.match(new RegExp(`${d} [^;]*${s3.endpoint()}`));
    const loc = res.headers.location as string;
    expect(loc.startsWith(`${s3.endpoint()}/`)).to.equal(true);
    const q = new URL(loc).searchParams;
    expect(Number(q.get("X-Amz-Expires"))).to.be.within(1, 600);
    const served = await fetchLink(b.url, loc);
    expect(served.status).to.equal(200);
    expect(served.headers.get("content-type")).to.equal("image/png");
    expect(served.headers.get("content-disposition")).to.match(/^inline; filename="red.png"/);
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.length).to.equal(done.body.size);

    const thumb = await request(b.url)
      .get(`${done.body.url}/link?variant=thumbnail`)
      .set(bob.auth)
      .expect(200);
    const t = await fetchLink(b.url, thumb.body.url);
    expect(t.headers.get("content-type")).to.equal("image/webp");

    // A non-member, on either node: as if it did not exist.
    for (const node of [a, b]) {
      expectError(await request(node.url).get(done.body.url).set(carol.auth), 404, "not_found");
    }
    // Removed from the chat: refused at once, on both nodes.
    await request(a.url).delete(`/api/v1/chats/${chatId}/members/${bob.id}`).set(alice.auth).expect(200);
    for (const node of [a, b]) {
      expectError(await request(node.url).get(done.body.url).set(bob.auth), 404, "not_found");
      expectError(await request(node.url).get(`${done.body.url}/thumbnail`).set(bob.auth), 404, "not_found");
    }
    await request(b.url).get(done.body.url).set(alice.auth).expect(302);
  });

  it("what s3rver lets through is caught at completion: an empty upload, more bytes than announced", async () => {
    const empty = await askUpload(a.url, alice, { name: "e.txt", size: 10, mime: "text/plain" });
    // s3rver does not check the signed Content-Length (real S3 and MinIO refuse these PUTs).
    expect(
      (await fetch(empty.upload.url, { method: "PUT", headers: empty.upload.headers, body: "" })).status,
    ).to.equal(200);
    expect(
      expectError(await complete(b.url, alice, empty.id), 422, "attachment_rejected").details,
    ).to.deep.equal({
      reason: "empty",
    });
    const long = await askUpload(a.url, alice, { name: "l.txt", size: 10, mime: "text/plain" });
    await fetch(long.upload.url, { method: "PUT", headers: long.upload.headers, body: "x".repeat(20) });
    expect(
      expectError(await complete(b.url, alice, long.id), 422, "attachment_rejected").details,
    ).to.deep.equal({
      reason: "size_mismatch",
    });
  });

  it("a storage that accepts and never answers: completion is a retryable 503 within the timeout", async () => {
    const sockets = new Set<net.Socket>();
    const stall = net.createServer((c) => sockets.add(c.on("error", () => undefined)));
    await new Promise<void>((r) => stall.listen(0, "127.0.0.1", () => r()));
    const endpoint = `http://127.0.0.1:${(stall.address() as net.AddressInfo).port}`;
    const log = memoryLogger("debug");
    const secret = `never-logged-${crypto.randomUUID()}`;
    const node = await startTestNode(
      {
        ...s3.env("stalled-bucket"),
        S3_ENDPOINT: endpoint,
        S3_SECRET_ACCESS_KEY: secret,
        STORAGE_TIMEOUT_MS: "600",
        DATABASE_URL: a.databaseUrl,
      },
      log.logger,
    );
    try {
      // Asking needs no storage (a presigned link is signed locally).
      const asked = await askUpload(node.url, alice, { name: "s.txt", size: 5, mime: "text/plain" });
      const started = Date.now();
      const res = await complete(node.url, alice, asked.id);
      expectError(res, 503, "unavailable");
      expect(res.headers["retry-after"]).to.match(/^\d+$/);
      expect(Date.now() - started).to.be.below(2000);
      // Not held: once storage answers, the same completion may run again.
      const row = await a.db.pool.query("SELECT state, completed_at FROM attachments WHERE id = $1", [
        asked.id,
      ]);
      expect(row.rows[0]).to.deep.equal({ state: "pending", completed_at: null });
      expect(log.raw.join("")).to.include("files: s3 bucket stalled-bucket");
      expect(log.raw.join(""), "the storage secret in the logs").to.not.include(secret);
    } finally {
      await node.close();
      for (const c of sockets) c.destroy();
      await new Promise((r) => stall.close(r));
    }
  });
});
