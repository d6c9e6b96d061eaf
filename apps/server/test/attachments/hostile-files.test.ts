/**
 * Hostile files (issue 16): each is refused with a 4xx at some step, or stored and served as a
 * download that cannot run in a browser — never a 500, never a type that renders script inline.
 */
import { expect } from "chai";
import request from "supertest";
import { useNode } from "../support/node.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { expectError } from "../rest/helpers/expect.ts";
import { fetchLink, uploadFile } from "../support/attachments.ts";
import { gifHtmlPolyglot, lowQualityJpeg, noiseJpeg, pngBombHeader } from "../support/images.ts";

const INLINE = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"];

describe("attachments: hostile files", function () {
  this.timeout(60_000);
  const node = useNode();
  let eve: TestUser;
  before(async () => {
    eve = await createUser(node.url, "Eve");
  });

  /** Fetches the stored file as a browser would and checks it cannot run anything. */
  async function servedSafely(url: string) {
    const loc = (await request(node.url).get(url).set(eve.auth).expect(302)).headers.location;
    const res = await fetchLink(node.url, loc);
    expect(res.status).to.equal(200);
    const type = res.headers.get("content-type")!;
    const disposition = res.headers.get("content-disposition")!;
    // The node's own links carry these; S3 cannot (its links are on another origin).
    if (loc.startsWith("/")) {
      expect(res.headers.get("x-content-type-options")).to.equal("nosniff");
      expect(res.headers.get("content-security-policy")).to.equal("default-src 'none'; sandbox");
    }
    if (!INLINE.includes(type)) expect(disposition).to.match(/^attachment;/);
    expect(type).to.not.match(/html|svg|xml|javascript/);
    return { type, disposition, body: Buffer.from(await res.arrayBuffer()) };
  }

  it("an SVG with script: stored as opaque bytes, served only as a download", async () => {
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.domain)</script></svg>`,
    );
    const { done } = await uploadFile(node.url, eve, { name: "logo.svg", mime: "image/svg+xml", bytes: svg });
    expect(done.status, done.text).to.equal(200);
    expect(done.body.mime).to.not.match(/svg|xml/);
    expect(done.body).to.not.have.property("thumbnail_url");
    const s = await servedSafely(done.body.url);
    expect(s.type).to.equal("application/octet-stream");
    expect(s.disposition).to.match(/filename="logo.svg"/);
  });

  it("HTML declared as a PNG: the content decides, served only as a download", async () => {
    const html = Buffer.from("<!doctype html><html><body><script>alert(1)</script></body></html>");
    const { done } = await uploadFile(node.url, eve, { name: "cat.png", mime: "image/png", bytes: html });
    expect(done.status, done.text).to.equal(200);
    expect(done.body.mime).to.equal("application/octet-stream");
    expect(done.body).to.not.have.any.keys("width", "height", "thumbnail_url");
    const s = await servedSafely(done.body.url);
    expect(s.disposition).to.match(/^attachment;/);
  });

  it("a GIF with HTML after its trailer: re-encoded, the HTML is gone", async () => {
    const poly = await gifHtmlPolyglot();
    const { done } = await uploadFile(node.url, eve, { name: "poly.gif", mime: "image/gif", bytes: poly });
    expect(done.status, done.text).to.equal(200);
    expect(done.body).to.include({ mime: "image/gif", width: 8, height: 8 });
    const s = await servedSafely(done.body.url);
    expect(s.type).to.equal("image/gif");
    expect(s.body.includes(Buffer.from("<script")), "script left in the stored image").to.equal(false);
  });

  it("a GIF header over HTML (not an image at all): refused, nothing kept", async () => {
    const fake = Buffer.from("GIF89a<html><script>alert(1)</script></html>");
    const { done } = await uploadFile(node.url, eve, { name: "fake.gif", mime: "image/gif", bytes: fake });
    const err = expectError(done, 422, "attachment_rejected");
    expect(err.details).to.deep.equal({ reason: "image_unreadable" });
  });

  it("a 30,000 × 30,000 PNG: refused before it is decoded", async () => {
    const bomb = await pngBombHeader();
    expect(bomb.length).to.be.below(1000);
    const started = Date.now();
    const { asked, done } = await uploadFile(node.url, eve, {
      name: "bomb.png",
      mime: "image/png",
      bytes: bomb,
    });
    const err = expectError(done, 422, "attachment_rejected");
    expect(err.details).to.deep.equal({ reason: "image_too_large" });
    expect(Date.now() - started).to.be.below(5000);
    // The refusal sticks, and the file cannot be fetched.
    expectError(
      await request(node.url).post(`/api/v1/attachments/${asked.id}/complete`).set(eve.auth),
      422,
      "attachment_rejected",
    );
    await request(node.url).get(`/api/v1/attachments/${asked.id}`).set(eve.auth).expect(404);
  });

  it("a truncated JPEG: refused cleanly", async () => {
    const jpeg = await noiseJpeg();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const { done } = await uploadFile(node.url, eve, { name: "cut.jpg", mime: "image/jpeg", bytes: cut });
    const err = expectError(done, 422, "attachment_rejected");
    expect(err.details).to.deep.equal({ reason: "image_unreadable" });
  });

  describe("an image that re-encodes larger than MAX_UPLOAD_BYTES", () => {
    const small = useNode({ MAX_UPLOAD_BYTES: "2000" });
    it("is refused as too large, not retried forever", async () => {
      const u = await createUser(small.url, "Small");
      const jpeg = await lowQualityJpeg();
      expect(jpeg.length).to.be.below(2000);
      const { asked, done } = await uploadFile(small.url, u, {
        name: "l.jpg",
        mime: "image/jpeg",
        bytes: jpeg,
      });
      expect(expectError(done, 422, "attachment_rejected").details).to.deep.equal({
        reason: "image_too_large",
      });
      expectError(
        await request(small.url).post(`/api/v1/attachments/${asked.id}/complete`).set(u.auth),
        422,
        "attachment_rejected",
      );
    });
  });

  it("zero bytes: refused when asked", async () => {
    const res = await request(node.url)
      .post("/api/v1/attachments")
      .set(eve.auth)
      .send({ name: "empty.txt", size: 0, mime: "text/plain" });
    expectError(res, 400, "validation_failed");
  });

  it("a name with ../ and control characters: stored and served as its last part, cleaned", async () => {
    const name = "../../etc/\u0007pass\u202ewd\r\n.txt";
    const { done } = await uploadFile(node.url, eve, {
      name,
      mime: "text/plain",
      bytes: Buffer.from("root:x:0:0"),
    });
    expect(done.status, done.text).to.equal(200);
    expect(done.body.name).to.equal("passwd.txt");
    const s = await servedSafely(done.body.url);
    expect(s.disposition).to.equal(`attachment; filename="passwd.txt"; filename*=UTF-8''passwd.txt`);
    // A NUL cannot be stored at all: refused when asked.
    const nul = await request(node.url)
      .post("/api/v1/attachments")
      .set(eve.auth)
      .send({ name: "a\u0000b", size: 1, mime: "text/plain" });
    expectError(nul, 400, "validation_failed");
  });

  it("a non-ASCII name: RFC 6266 filename* carries it, the fallback is ASCII", async () => {
    const { done } = await uploadFile(node.url, eve, {
      name: 'Über "cool" 日本.txt',
      mime: "text/plain",
      bytes: Buffer.from("hi"),
    });
    const s = await servedSafely(done.body.url);
    expect(s.disposition).to.equal(
      `attachment; filename="_ber _cool_ __.txt"; filename*=UTF-8''%C3%9Cber%20%22cool%22%20%E6%97%A5%E6%9C%AC.txt`,
    );
  });
});
