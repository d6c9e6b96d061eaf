import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import sharp from "sharp";
import { PutBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import { startS3rver, S3RVER_KEYS } from "../support/s3rver.ts";
import { eventually } from "../support/wait.ts";
import { startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage } from "./web-pages.ts";
import { attachFiles, dropFiles, pasteImage, tinyPdf } from "./web-files.ts";
import type { Route } from "../../../web/test/browser.ts";

/** What both nodes accept; the too-big file is above it. */
const MAX_UPLOAD_BYTES = 2_000_000;

/** Each user's storage; the last test fills Alice's. */
const QUOTA_BYTES = 3_000_000;

/** A picture worth looking at in the screenshots: a gradient with a disc. */
async function photo(width = 800, height = 600): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#2f6fed"/><stop offset="1" stop-color="#f5a623"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width * 0.62}" cy="${height * 0.4}" r="${height * 0.18}" fill="#fff6d5"/>
    <path d="M0 ${height} L${width * 0.35} ${height * 0.55} L${width * 0.6} ${height} Z" fill="#1d2330"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * The CORS rule object storage needs for the web client: the app's origins may PUT (uploads, with
 * the signed Content-Type) and GET (images, downloads). s3rver enforces it, as S3 and MinIO do.
 */
async function allowAppOrigins(endpoint: string, bucket: string, origins: string[]): Promise<void> {
  const s3 = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_KEYS });
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: origins,
            AllowedMethods: ["PUT", "GET"],
            AllowedHeaders: ["Content-Type"],
            MaxAgeSeconds: 600,
          },
        ],
      },
    }),
  );
  s3.destroy();
}

/**
 * Attachments in the web client end to end (issue 16), with each storage driver: Alice on node 1
 * pastes an image and drops a PDF; Bob on node 2 sees the thumbnail and the file card, opens the
 * image full size and downloads the PDF. With S3 the browser PUTs straight to storage on another
 * origin (s3rver, with the CORS rule above) and loads the files from there. The tests build on
 * each other in order.
 */
for (const driver of ["filesystem", "s3"] as const) {
  describe(`web attachments in Chromium: 2 nodes, ${driver} storage`, function () {
    this.timeout(40_000);
    let w: WebWorld;
    let s3: Awaited<ReturnType<typeof startS3rver>> | undefined;
    let dataDir: string | undefined;
    const tag = crypto.randomUUID().slice(0, 6);
    const email = (name: string) => `${name.toLowerCase()}-${tag}@example.test`;
    const pages: ChatPage[] = [];
    let alice: ChatPage;
    let bob: ChatPage;
    let png: Buffer;
    const pdf = tinyPdf();
    const text = "The view from the office, and the report";

    before(async function () {
      this.timeout(60_000);
      png = await photo();
      let storage: Record<string, string>;
      if (driver === "s3") {
        s3 = await startS3rver();
        storage = s3.env(await s3.freshBucket());
      } else {
        // Two nodes sharing one folder, as they would share a volume.
        dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "web-files-"));
        storage = { STORAGE_DRIVER: "filesystem", DATA_DIR: dataDir };
      }
      w = await startWebWorld({
        ...storage,
        MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
        UPLOAD_QUOTA_BYTES: String(QUOTA_BYTES),
      });
      if (s3)
        await allowAppOrigins(
          s3.endpoint(),
          storage.S3_BUCKET,
          w.nodes.map((n) => n.url),
        );
      alice = await ChatPage.open(w.browser, w.nodes[0].url);
      bob = await ChatPage.open(w.browser, w.nodes[1].url);
      pages.push(alice, bob);
      await alice.register("Alice", email("alice"));
      await bob.register("Bob", email("bob"));
      await alice.startPrivateChat(email("bob"), "Bob");
    });
    after(async function () {
      this.timeout(30_000);
      await w?.stop();
      await s3?.close();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });
    afterEach(() => {
      for (const p of pages) {
        expect(p.errors, "errors thrown in a page").to.deep.equal([]);
        expect(p.console.filter((l) => l.includes("Content Security Policy"))).to.deep.equal([]);
      }
    });

    const tray = (p: ChatPage) => p.page.locator(".tray-item");

    it("Alice pastes an image and drops a PDF; Bob on the other node sees the thumbnail and the file card", async () => {
      await pasteImage(alice, png);
      await dropFiles(alice, [{ name: "report.pdf", mimeType: "application/pdf", buffer: pdf }]);
      await eventually(async () => {
        expect(
          await tray(alice).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.state)),
        ).to.deep.equal(["ready", "ready"]);
      });
      expect(await tray(alice).locator(".file-name").allTextContents()).to.satisfy(
        (names: string[]) => /^pasted-.*\.png$/.test(names[0]) && names[1] === "report.pdf",
      );
      await alice.send(text);
      await alice.bubble(text).locator(".thumb img").waitFor();
      expect(await tray(alice).count()).to.equal(0);

      await bob.chatItem("Alice").waitFor();
      await bob.openChat("Alice");
      const bubble = bob.bubble(text);
      await bubble.waitFor();
      const img = bubble.locator(".thumb img");
      await eventually(async () =>
        expect(await img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).to.be.within(1, 320),
      );
      const card = bubble.locator(".file-card");
      expect(await card.locator(".file-name").textContent()).to.equal("report.pdf");
      expect(await card.locator(".file-size").textContent()).to.equal(`${pdf.length} bytes`);
      await bob.screenshot("attachments-conversation");
    });

    it("Bob opens the image full size with the keyboard, closes it with Escape, and the focus comes back", async () => {
      const thumb = bob.bubble(text).locator(".thumb");
      await thumb.focus();
      await bob.page.keyboard.press("Enter");
      const viewer = bob.page.getByRole("dialog", { name: /^pasted-/ });
      await viewer.waitFor();
      const big = viewer.locator("img");
      await eventually(async () =>
        expect(await big.evaluate((i) => (i as HTMLImageElement).naturalWidth)).to.equal(800),
      );
      expect(await bob.page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).to.equal(
        "Close image",
      );
      await bob.screenshot("attachments-viewer");
      await bob.page.keyboard.press("Escape");
      await viewer.waitFor({ state: "detached" });
      expect(await thumb.evaluate((t) => t === document.activeElement)).to.equal(true);

      // On a 360 px phone the picture fits the screen, and Close is in reach.
      await bob.page.setViewportSize({ width: 360, height: 740 });
      await thumb.click();
      await viewer.waitFor();
      await eventually(async () => {
        const box = (await big.boundingBox())!;
        expect(box.width).to.be.within(100, 360);
        expect(box.x).to.be.at.least(0);
      });
      expect(await viewer.getByRole("button", { name: "Close image" }).isVisible()).to.equal(true);
      await viewer.getByRole("button", { name: "Close image" }).click();
      await viewer.waitFor({ state: "detached" });
      await bob.screenshot("attachments-mobile");
      await bob.page.setViewportSize({ width: 1100, height: 720 });
    });

    it("Bob downloads the PDF: the same bytes Alice dropped", async () => {
      const download = bob.page.waitForEvent("download");
      await bob.bubble(text).getByRole("button", { name: "Download report.pdf" }).click();
      const file = await (await download).path();
      expect(Buffer.compare(fs.readFileSync(file), pdf)).to.equal(0);
      expect((await download).suggestedFilename()).to.equal("report.pdf");
    });

    it("Bob saves the image from the viewer without leaving the chat", async () => {
      await bob.bubble(text).locator(".thumb").click();
      const viewer = bob.page.getByRole("dialog", { name: /^pasted-/ });
      await viewer.waitFor();
      const here = bob.page.url();
      if (driver === "s3") {
        // Storage on another origin shows safe images inline: the link opens in a tab of its own.
        const popup = bob.context.waitForEvent("page");
        await viewer.getByRole("button", { name: "Download" }).click();
        const tab = await popup;
        await tab.waitForLoadState();
        expect(new URL(tab.url()).origin).to.equal(new URL(s3!.endpoint()).origin);
        await tab.close();
      } else {
        const download = bob.page.waitForEvent("download");
        await viewer.getByRole("button", { name: "Download" }).click();
        expect((await download).suggestedFilename()).to.match(/^pasted-.*\.png$/);
      }
      expect(bob.page.url()).to.equal(here);
      await bob.page.keyboard.press("Escape");
      await viewer.waitFor({ state: "detached" });
    });

    it("a thumbnail whose link stopped working (expired) asks for a new one", async () => {
      // The first thumbnail link Bob's page is given after a reload is a dead one (as an expired link is).
      const asked: string[] = [];
      const isThumbLink = (url: URL) =>
        url.pathname.endsWith("/link") && url.searchParams.get("variant") === "thumbnail";
      const stale = async (route: Route) => {
        asked.push(route.request().url());
        if (asked.length > 1) return route.fallback();
        await route.fulfill({
          json: {
            url: "/api/v1/blobs/expired.link",
            expires_at: new Date(Date.now() + 300_000).toISOString(),
          },
        });
      };
      await bob.page.route(isThumbLink, stale);
      await bob.page.reload();
      const img = bob.bubble(text).locator(".thumb img");
      await img.waitFor();
      await eventually(async () =>
        expect(await img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).to.be.within(1, 320),
      );
      expect(asked).to.have.length(2);
      await bob.page.unroute(isThumbLink, stale);
    });

    it("a file over the limit is refused in words, and can be removed", async () => {
      const big = Buffer.alloc(MAX_UPLOAD_BYTES + 500_000, 7);
      await attachFiles(alice, [{ name: "holiday.mov", mimeType: "video/quicktime", buffer: big }]);
      const item = tray(alice).filter({ hasText: "holiday.mov" });
      await eventually(async () => expect(await item.getAttribute("data-state")).to.equal("failed"));
      expect(await item.getByRole("alert").textContent()).to.equal(
        "“holiday.mov” is too big: files may be at most 2 MB.",
      );
      expect(await item.getByRole("button", { name: "Retry holiday.mov" }).count()).to.equal(0);
      await alice.screenshot("attachments-error");
      // Send is refused while a failed file is in the tray: the text stays.
      await alice.composer.fill("with the video");
      await alice.composer.press("Enter");
      expect(await alice.composer.inputValue()).to.equal("with the video");
      await item.getByRole("button", { name: "Remove holiday.mov" }).click();
      expect(await tray(alice).count()).to.equal(0);
      await alice.composer.fill("");
    });

    it("cancel stops an upload on its way; a message waits for its files and goes when they are done", async () => {
      // Hold every upload PUT (to the node or to storage) until the test lets it go.
      const held: Route[] = [];
      const hold = (route: Route) =>
        route.request().method() === "PUT" ? held.push(route) : route.fallback();
      await alice.page.route("**/*", hold);
      await attachFiles(alice, [
        { name: "draft.pdf", mimeType: "application/pdf", buffer: tinyPdf("draft") },
      ]);
      const item = tray(alice).filter({ hasText: "draft.pdf" });
      await eventually(async () => expect(held.length).to.equal(1));
      expect(await item.getAttribute("data-state")).to.equal("uploading");
      expect(await item.getByRole("progressbar", { name: "Upload of draft.pdf" }).count()).to.equal(1);
      await item.getByRole("button", { name: "Cancel draft.pdf" }).click();
      expect(await tray(alice).count()).to.equal(0);
      await held
        .shift()!
        .abort()
        .catch(() => undefined);

      // The next file is held while Alice sends: her message waits, then goes with it.
      const notes = tinyPdf("notes");
      await attachFiles(alice, [{ name: "notes.pdf", mimeType: "application/pdf", buffer: notes }]);
      await eventually(async () => expect(held.length).to.equal(1));
      await alice.send("notes attached");
      await alice.page.getByText("Your message will be sent when every file is uploaded.").waitFor();
      await held.shift()!.continue();
      await alice.page.unroute("**/*", hold);
      const bubble = bob.bubble("notes attached");
      await bubble.waitFor();
      expect(await bubble.locator(".file-card .file-name").allTextContents()).to.deep.equal(["notes.pdf"]);
      expect(await bob.page.locator(".file-name", { hasText: "draft.pdf" }).count()).to.equal(0);
    });

    it("a failed connection can be retried", async () => {
      let failed = 0;
      const cut = (route: Route) =>
        route.request().method() === "PUT" && failed++ === 0
          ? route.abort("connectionreset")
          : route.fallback();
      await alice.page.route("**/*", cut);
      await attachFiles(alice, [
        { name: "retry.pdf", mimeType: "application/pdf", buffer: tinyPdf("retry") },
      ]);
      const item = tray(alice).filter({ hasText: "retry.pdf" });
      await eventually(async () => expect(await item.getAttribute("data-state")).to.equal("failed"));
      expect(await item.getByRole("alert").textContent()).to.equal(
        "“retry.pdf” was not uploaded: the connection failed.",
      );
      await item.getByRole("button", { name: "Retry retry.pdf" }).click();
      await eventually(async () => expect(await item.getAttribute("data-state")).to.equal("ready"));
      await alice.page.unroute("**/*", cut);
      await alice.composer.press("Enter");
      await eventually(async () =>
        expect(await bob.page.locator(".file-card .file-name", { hasText: "retry.pdf" }).count()).to.equal(1),
      );
    });

    it("a damaged image and a file over the quota are refused in words", async () => {
      const broken = (await photo(40, 30)).subarray(0, 60);
      await attachFiles(alice, [{ name: "broken.png", mimeType: "image/png", buffer: broken }]);
      const item = tray(alice).filter({ hasText: "broken.png" });
      await eventually(async () => expect(await item.getAttribute("data-state")).to.equal("failed"));
      expect(await item.getByRole("alert").textContent()).to.equal(
        "“broken.png” was not accepted: it is not an image that can be read (damaged or not really an image).",
      );
      await item.getByRole("button", { name: "Remove broken.png" }).click();

      // Alice holds well under 0.3 MB so far; 1.9 MB more fits in 3 MB, twice does not.
      const chunk = (name: string) => ({
        name,
        mimeType: "application/zip",
        buffer: Buffer.alloc(1_900_000, 1),
      });
      await attachFiles(alice, [chunk("one.zip")]);
      await eventually(async () =>
        expect(await tray(alice).filter({ hasText: "one.zip" }).getAttribute("data-state")).to.equal("ready"),
      );
      await attachFiles(alice, [chunk("two.zip")]);
      const two = tray(alice).filter({ hasText: "two.zip" });
      await eventually(async () => expect(await two.getAttribute("data-state")).to.equal("failed"));
      expect(await two.getByRole("alert").textContent()).to.match(
        /^“two\.zip” does not fit in your storage space \(\d\.\d MB of 3 MB used\)\. Delete some files first\.$/,
      );
    });

    it("an upload that sends nothing for a minute is given up, and can be retried", async () => {
      const held: Route[] = [];
      const hold = (route: Route) =>
        route.request().method() === "PUT" ? held.push(route) : route.fallback();
      await alice.page.route("**/*", hold);
      await alice.page.clock.install();
      await attachFiles(alice, [{ name: "slow.pdf", mimeType: "application/pdf", buffer: tinyPdf("slow") }]);
      const item = tray(alice).filter({ hasText: "slow.pdf" });
      await eventually(async () => expect(held.length).to.equal(1));
      await alice.page.clock.runFor(55_000);
      expect(await item.getAttribute("data-state")).to.equal("uploading");
      await alice.page.clock.runFor(10_000);
      await eventually(async () => expect(await item.getAttribute("data-state")).to.equal("failed"));
      expect(await item.getByRole("alert").textContent()).to.equal(
        "“slow.pdf” was not uploaded: the connection failed.",
      );
      await alice.page.unroute("**/*", hold);
      await held
        .shift()!
        .abort()
        .catch(() => undefined);
      await item.getByRole("button", { name: "Retry slow.pdf" }).click();
      await eventually(async () => expect(await item.getAttribute("data-state")).to.equal("ready"));
    });
  });
}
