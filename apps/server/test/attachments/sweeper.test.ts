/**
 * The attachment sweeper: uploads never attached are removed after ABANDONED_UPLOAD_HOURS (bytes
 * and row), the files of deleted messages lose their bytes (row kept, `purged_at` set), and two
 * nodes sweeping at once share the work without errors or double counts. Then the timer: a node
 * started with a short period sweeps on its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import { useNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { askUpload, readyFile, sendWithFiles } from "../support/attachments.ts";
import { tinyPng } from "../support/images.ts";
import { eventually } from "../support/wait.ts";
import { sweepAttachments } from "../../src/domain/attachment-sweeper.ts";
import { DiskBlobStore } from "../../src/storage/blob-store.disk.ts";
import { BlobLinks } from "../../src/storage/blob-links.ts";

describe("attachments: the sweeper", function () {
  this.timeout(30_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sweep-"));
  const node = useNode({ STORAGE_DRIVER: "filesystem", DATA_DIR: dataDir, ATTACHMENT_SWEEP_SECONDS: "0" });
  const blobs = new DiskBlobStore(path.join(dataDir, "blobs"), new BlobLinks("unused-secret"));
  const pools: pg.Pool[] = [];
  let alice: TestUser;
  let bob: TestUser;
  const picture = async () => ({ name: "p.png", mime: "image/png", bytes: await tinyPng() });
  const pool = () => {
    const p = new pg.Pool({ connectionString: node.databaseUrl, max: 3 });
    pools.push(p);
    return p;
  };
  const keysOf = (id: string) => [`a/${id}/original`, `a/${id}/thumbnail.webp`];
  const stored = async (id: string) =>
    (await Promise.all(keysOf(id).map((k) => blobs.head(k)))).some(Boolean);

  before(async () => {
    [alice, bob] = await Promise.all(["Alice", "Bob"].map((n) => createUser(node.url, n)));
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.end()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("removes old unattached uploads (bytes and row) and purges deleted messages' files, once, from two nodes at once", async () => {
    const chatId = await createGroup(node.url, alice, [bob]);
    const oldReady = await readyFile(node.url, alice, await picture());
    const oldPending = (
      await askUpload(node.url, alice, { name: "x.bin", size: 10, mime: "application/zip" })
    ).id;
    const recent = await readyFile(node.url, alice, await picture());
    const sent = await readyFile(node.url, alice, await picture());
    const kept = await readyFile(node.url, alice, await picture());
    const gone = await sendWithFiles(node.url, alice, chatId, [sent], "to delete");
    const stays = await sendWithFiles(node.url, alice, chatId, [kept], "stays");
    const p = pool();
    await p.query(
      "UPDATE attachments SET created_at = now() - interval '25 hours' WHERE id = ANY($1::uuid[])",
      [[oldReady, oldPending, sent, kept]],
    );
    await request(node.url).delete(`/api/v1/chats/${chatId}/messages/${gone.id}`).set(alice.auth).expect(200);
    expect(await stored(oldReady)).to.equal(true);
    expect(await stored(sent)).to.equal(true);

    const opts = { abandonedHours: 24 };
    const [one, two] = await Promise.all([
      sweepAttachments(p, blobs, opts),
      sweepAttachments(pool(), blobs, opts),
    ]);
    expect({ removed: one.removed + two.removed, purged: one.purged + two.purged }).to.deep.equal({
      removed: 2,
      purged: 1,
    });
    const rows = await p.query<{ id: string; purged: boolean }>(
      "SELECT id, purged_at IS NOT NULL AS purged FROM attachments WHERE id = ANY($1::uuid[])",
      [[oldReady, oldPending, recent, sent, kept]],
    );
    expect(Object.fromEntries(rows.rows.map((r) => [r.id, r.purged]))).to.deep.equal({
      [recent]: false,
      [sent]: true,
      [kept]: false,
    });
    expect(await stored(oldReady)).to.equal(false);
    expect(await stored(sent)).to.equal(false);
    expect(await stored(recent)).to.equal(true);
    expect(await stored(kept)).to.equal(true);
    // Nothing left to do: a repeat is a no-op.
    expect(await sweepAttachments(p, blobs, opts)).to.deep.equal({ removed: 0, purged: 0 });
  });

  describe("on a timer", () => {
    const ticking = useNode({
      STORAGE_DRIVER: "filesystem",
      DATA_DIR: dataDir,
      ATTACHMENT_SWEEP_SECONDS: "1",
      ABANDONED_UPLOAD_HOURS: "0.0003",
    });
    it("a node sweeps on its own", async () => {
      const u = await createUser(ticking.url, "Tick");
      const id = await readyFile(ticking.url, u, await picture());
      const p = new pg.Pool({ connectionString: ticking.databaseUrl, max: 1 });
      pools.push(p);
      await eventually(
        async () =>
          expect((await p.query("SELECT 1 FROM attachments WHERE id = $1", [id])).rowCount).to.equal(0),
        8000,
        200,
      );
      expect(await stored(id)).to.equal(false);
    });
  });
});
