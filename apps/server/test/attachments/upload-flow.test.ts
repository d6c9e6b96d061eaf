/**
 * The upload flow on one node (the filesystem driver, or the run's S3 with TEST_STORAGE=s3): ask → PUT the bytes to the signed link
 * → complete; what completion learns from the content (type, size, image dimensions with the
 * orientation applied, EXIF/GPS gone, a thumbnail); what is refused when asked (too large, over
 * quota, too often) and at completion (bytes missing); and how the file is served.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import sharp from "sharp";
import { AttachmentSchema } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { expectError } from "../rest/helpers/expect.ts";
import { askUpload, complete, fetchLink, putBytes, readyFile, uploadFile } from "../support/attachments.ts";
import { jpegWithGps, tinyPng } from "../support/images.ts";
import { memoryLogger } from "../rest/helpers/logs.ts";

const QUOTA = 300_000;
const MAX = 200_000;

describe("attachments: the upload flow", function () {
  this.timeout(30_000);
  const log = memoryLogger("debug");
  const node = useNode(
    {
      MAX_UPLOAD_BYTES: String(MAX),
      UPLOAD_QUOTA_BYTES: String(QUOTA),
      RATE_LIMIT_UPLOADS_PER_USER_PER_MINUTE: "12",
    },
    log.logger,
  );
  let alice: TestUser;
  before(async () => {
    alice = await createUser(node.url, "Alice");
  });

  it("a photo: ready with its real type and oriented size, EXIF and GPS gone, a WebP thumbnail", async () => {
    const photo = await jpegWithGps(64, 32);
    expect((await sharp(photo).metadata()).exif, "the fixture carries EXIF").to.not.equal(undefined);
    const { asked, done } = await uploadFile(node.url, alice, {
      name: "holiday.jpg",
      mime: "application/octet-stream", // the client's word does not count
      bytes: photo,
    });
    expect(done.status, done.text).to.equal(200);
    const file = AttachmentSchema.parse(done.body);
    expect(file).to.deep.include({
      id: asked.id,
      name: "holiday.jpg",
      mime: "image/jpeg",
      width: 32, // orientation 6 applied: 64 × 32 stored, 32 × 64 shown
      height: 64,
      url: `/api/v1/attachments/${asked.id}`,
      thumbnail_url: `/api/v1/attachments/${asked.id}/thumbnail`,
    });
    // Served: the stripped original, inline (a safe image type), sandboxed.
    const redirect = await request(node.url).get(file.url).set(alice.auth).expect(302);
    expect(redirect.headers["cache-control"]).to.equal("no-store");
    const served = await fetchLink(node.url, redirect.headers.location);
    expect(served.status).to.equal(200);
    expect(served.headers.get("content-type")).to.equal("image/jpeg");
    expect(served.headers.get("content-disposition")).to.match(/^inline; filename="holiday.jpg"/);
    if (redirect.headers.location.startsWith("/")) {
      // The node's own link (filesystem); S3 serves from another origin and cannot add these.
      expect(served.headers.get("x-content-type-options")).to.equal("nosniff");
      expect(served.headers.get("content-security-policy")).to.equal("default-src 'none'; sandbox");
    }
    const stored = Buffer.from(await served.arrayBuffer());
    expect(stored.length).to.equal(file.size);
    const meta = await sharp(stored).metadata();
    expect([meta.width, meta.height, meta.exif, meta.orientation]).to.deep.equal([
      32,
      64,
      undefined,
      undefined,
    ]);
    expect(stored.includes(Buffer.from("TestCam")), "EXIF text left in the bytes").to.equal(false);
    // The thumbnail, by redirect and by the JSON link an <img> can use.
    const link = await request(node.url)
      .get(`${file.url}/link?variant=thumbnail`)
      .set(alice.auth)
      .expect(200);
    expect(Date.parse(link.body.expires_at)).to.be.greaterThan(Date.now());
    const thumb = await fetchLink(node.url, link.body.url);
    expect(thumb.headers.get("content-type")).to.equal("image/webp");
    const tmeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(tmeta.format).to.equal("webp");
    expect(Math.max(tmeta.width!, tmeta.height!)).to.be.at.most(320);
    // The links are credentials: no log line carries one (nor the file's name inside it).
    const logs = log.raw.join("");
    for (const l of [asked.upload.url, redirect.headers.location, link.body.url]) {
      const token = l.split("/").pop()!.split("?")[0];
      expect(logs, "a link token in the logs").to.not.include(token.slice(-20));
    }
  });

  it("every image type shown inline is decoded: PNG, WebP, AVIF, GIF", async () => {
    const base = () => sharp({ create: { width: 30, height: 20, channels: 3, background: "#36c" } });
    const images: Array<[string, Buffer]> = [
      ["image/png", await base().png().toBuffer()],
      ["image/webp", await base().webp().toBuffer()],
      ["image/avif", await base().avif({ effort: 0 }).toBuffer()],
      ["image/gif", await base().gif().toBuffer()],
    ];
    for (const [mime, bytes] of images) {
      const { done } = await uploadFile(node.url, alice, { name: `i.${mime.slice(6)}`, mime, bytes });
      expect(done.status, `${mime}: ${done.text}`).to.equal(200);
      expect(done.body, mime).to.include({ mime, width: 30, height: 20 });
      expect(done.body.thumbnail_url, mime).to.be.a("string");
    }
  });

  it("completions of one upload at once: one does the work, every answer is the file or a 409", async () => {
    const photo = await jpegWithGps(64, 32);
    const asked = await askUpload(node.url, alice, { name: "p.jpg", size: photo.length, mime: "image/jpeg" });
    expect((await putBytes(node.url, asked, photo)).status).to.equal(200);
    const answers = await Promise.all(Array.from({ length: 6 }, () => complete(node.url, alice, asked.id)));
    const codes = answers.map((r) => (r.status === 200 ? "200" : `${r.status} ${r.body.error?.code}`));
    expect(codes).to.include("200");
    expect(codes, "the others found it claimed").to.include("409 upload_incomplete");
    for (const c of codes) expect(c).to.be.oneOf(["200", "409 upload_incomplete"]);
    const after = await complete(node.url, alice, asked.id).expect(200);
    expect(after.body).to.include({ width: 32, height: 64 });
  });

  it("a file that is not an image: ready, no dimensions or thumbnail, served as a download", async () => {
    const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), crypto.randomBytes(2000)]);
    const { done } = await uploadFile(node.url, alice, {
      name: "report.pdf",
      mime: "application/pdf",
      bytes: pdf,
    });
    expect(done.status, done.text).to.equal(200);
    expect(done.body).to.include({ mime: "application/pdf", size: pdf.length });
    expect(done.body).to.not.have.any.keys("width", "height", "thumbnail_url");
    await request(node.url).get(`${done.body.url}/thumbnail`).set(alice.auth).expect(404);
    const loc = (await request(node.url).get(done.body.url).set(alice.auth).expect(302)).headers.location;
    const served = await fetchLink(node.url, loc);
    expect(served.headers.get("content-disposition")).to.match(/^attachment; filename="report.pdf"/);
    expect(Buffer.from(await served.arrayBuffer()).equals(pdf)).to.equal(true);
  });

  it("completing again answers the same file; completing before the bytes arrived is upload_incomplete", async () => {
    const png = await tinyPng();
    const asked = await askUpload(node.url, alice, { name: "a.png", size: png.length, mime: "image/png" });
    expectError(await complete(node.url, alice, asked.id), 409, "upload_incomplete");
    expect((await putBytes(node.url, asked, png)).status).to.equal(200);
    const first = await complete(node.url, alice, asked.id).expect(200);
    const again = await complete(node.url, alice, asked.id).expect(200);
    expect(again.body).to.deep.equal(first.body);
    // Someone else's upload does not exist for them.
    const bob = await createUser(node.url, "Bob");
    expectError(await complete(node.url, bob, asked.id), 404, "not_found");
    await request(node.url).get(first.body.url).set(bob.auth).expect(404);
  });

  it("the upload link used again after completion changes nothing that is served", async () => {
    const png = await tinyPng();
    const asked = await askUpload(node.url, alice, { name: "a.png", size: png.length, mime: "image/png" });
    expect((await putBytes(node.url, asked, png)).status).to.equal(200);
    const done = await complete(node.url, alice, asked.id).expect(200);
    const served = async () => {
      const loc = (await request(node.url).get(done.body.url).set(alice.auth).expect(302)).headers.location;
      return Buffer.from(await (await fetchLink(node.url, loc)).arrayBuffer());
    };
    const checked = await served();
    const swap = Buffer.concat([Buffer.from("<html><script>alert(1)</script>"), Buffer.alloc(png.length)]);
    await putBytes(node.url, asked, swap.subarray(0, png.length)); // the link is still valid
    expect((await served()).equals(checked)).to.equal(true);
    expect((await complete(node.url, alice, asked.id).expect(200)).body).to.deep.equal(done.body);
  });

  it("too large, or over the quota, is refused when asked; so is asking too often", async () => {
    const carol = await createUser(node.url, "Carol");
    const ask = (size: number) =>
      request(node.url)
        .post("/api/v1/attachments")
        .set(carol.auth)
        .send({ name: "x.bin", size, mime: "application/zip" });
    const big = expectError(await ask(MAX + 1), 413, "file_too_large");
    expect(big.details).to.deep.equal({ max_bytes: MAX });
    await ask(MAX).expect(201); // pending uploads count against the quota while their link lives
    const over = expectError(await ask(QUOTA - MAX + 1), 413, "quota_exceeded");
    expect(over.details).to.deep.equal({ quota_bytes: QUOTA, used_bytes: MAX });
    await ask(QUOTA - MAX).expect(201);
    // 12 per minute: two asked above, two refused (they count too), then eight more.
    for (let i = 0; i < 8; i++) await ask(1).expect((r) => expect(r.status).to.be.oneOf([201, 413]));
    const limited = expectError(await ask(1), 429, "rate_limited");
    expect(limited.details).to.have.property("retry_after");
  });

  it("the uploader may fetch a file not yet sent; nobody else may, whatever the id", async () => {
    const id = await readyFile(node.url, alice, {
      name: "mine.png",
      mime: "image/png",
      bytes: await tinyPng(),
    });
    const dave = await createUser(node.url, "Dave");
    await request(node.url).get(`/api/v1/attachments/${id}`).set(alice.auth).expect(302);
    for (const path of [`/api/v1/attachments/${id}`, `/api/v1/attachments/${crypto.randomUUID()}`]) {
      expectError(await request(node.url).get(path).set(dave.auth), 404, "not_found");
      expectError(await request(node.url).get(`${path}/thumbnail`).set(dave.auth), 404, "not_found");
      expectError(await request(node.url).get(`${path}/link`).set(dave.auth), 404, "not_found");
    }
    await request(node.url).get(`/api/v1/attachments/${id}`).expect(401);
  });
});
