import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import sharp from "sharp";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { eventually } from "../support/wait.ts";
import { nodeBehindNginx, startWebWorld, type WebWorld } from "./web-fixture.ts";
import { ChatPage } from "./web-pages.ts";
import { attachFiles } from "./web-files.ts";
import { openEncryptedPrivateChat } from "./web-encrypted-world.ts";

/**
 * Files in encrypted chats in the web app, in Chromium across two nodes (issue 17, item 4): Alice
 * attaches a photo to an encrypted chat; her browser makes the thumbnail and encrypts both before
 * upload. Bob, on the other node, sees the decrypted thumbnail (at most 320 px), opens the full
 * image (decrypted into a blob: URL) and saves it under its real name, byte for byte; the blobs
 * on disk are neither the photo nor named after it.
 */
describe("web client in Chromium: files in encrypted chats", function () {
  this.timeout(90_000);
  let w: WebWorld;
  let x: NodeProcess;
  let y: NodeProcess;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "web-e2e-files-"));
  const tag = crypto.randomUUID().slice(0, 6);
  const email = (name: string) => `${name.toLowerCase()}-e2ef-${tag}@example.test`;
  const pages: ChatPage[] = [];
  const open = async (url: string) => {
    const p = await ChatPage.open(w.browser, url);
    pages.push(p);
    return p;
  };

  before(async function () {
    this.timeout(60_000);
    // Two nodes sharing one folder, as they would share a volume.
    w = await startWebWorld({ STORAGE_DRIVER: "filesystem", DATA_DIR: dataDir });
    x = await nodeBehindNginx(w);
    y = w.nodes.find((n) => n !== x)!;
  });
  after(async function () {
    this.timeout(30_000);
    await w?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed") {
      for (const p of pages) console.log(p.console.join("\n"), await p.texts().catch(() => []));
      for (const n of w.nodes) console.log(n.logs.filter((l) => /error|500/i.test(l)).join("\n"));
    }
    for (const p of pages)
      expect(p.errors, `errors thrown in a page: ${p.console.join("\n")}`).to.deep.equal([]);
  });

  it("Alice sends a photo; Bob on the other node sees the client-made thumbnail, opens and saves the full image", async () => {
    const photo = await sharp({
      create: { width: 800, height: 600, channels: 3, background: { r: 47, g: 111, b: 237 } },
    })
      .composite([
        {
          input: Buffer.from(
            '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><circle cx="500" cy="240" r="110" fill="#fff6d5"/></svg>',
          ),
        },
      ])
      .png()
      .toBuffer();
    const alice = await open(w.nginx.url);
    const bob = await open(y.url);
    await alice.register("Alice", email("alice"));
    await bob.register("Bob", email("bob"));
    await openEncryptedPrivateChat(alice, bob, email("bob"));

    await attachFiles(alice, [{ name: "sunrise-KESTREL.png", mimeType: "image/png", buffer: photo }]);
    await eventually(async () => {
      expect(
        await alice.page
          .locator(".tray-item")
          .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.state)),
      ).to.deep.equal(["ready"]);
    }, 20_000);
    await alice.send("the view this morning");
    await alice.bubble("the view this morning").locator(".thumb img").waitFor();

    const bubble = bob.bubble("the view this morning");
    await bubble.waitFor({ timeout: 20_000 });
    const img = bubble.locator(".thumb img");
    await eventually(async () => {
      const natural = await img.evaluate((i) => [
        (i as HTMLImageElement).naturalWidth,
        (i as HTMLImageElement).src,
      ]);
      expect(natural[0]).to.equal(320);
      expect(String(natural[1])).to.match(/^blob:/);
    }, 20_000);
    await bob.screenshot("encrypted-attachments-conversation");

    await bubble.locator(".thumb").click();
    const viewer = bob.page.getByRole("dialog", { name: "sunrise-KESTREL.png" });
    await viewer.waitFor();
    const big = viewer.locator("img");
    await eventually(async () =>
      expect(await big.evaluate((i) => (i as HTMLImageElement).naturalWidth)).to.equal(800),
    );
    await bob.screenshot("encrypted-attachments-viewer");
    const download = bob.page.waitForEvent("download");
    await viewer.getByRole("button", { name: "Download" }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).to.equal("sunrise-KESTREL.png");
    expect(Buffer.compare(fs.readFileSync((await saved.path())!), photo)).to.equal(0);
    const blobUrl = await big.evaluate((i) => (i as HTMLImageElement).src);
    await viewer.getByRole("button", { name: "Close image" }).click();
    await viewer.waitFor({ state: "detached" });
    // The viewer's blob: URL was revoked with it.
    const gone = await bob.page.evaluate(
      (u) =>
        fetch(u).then(
          () => false,
          () => true,
        ),
      blobUrl,
    );
    expect(gone, "the full image's blob: URL is revoked").to.equal(true);

    // What the server's disk holds: encrypted blobs, not the photo, not its name.
    const files = fs.readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const blobs = files.filter((f) => f.parentPath.includes(`${path.sep}blobs`));
    expect(blobs.length).to.be.at.least(2);
    const head = photo.subarray(0, 64);
    for (const f of blobs) {
      expect(f.name).to.not.include("KESTREL");
      expect(fs.readFileSync(path.join(f.parentPath, f.name)).includes(head)).to.equal(false);
    }
  });
});
