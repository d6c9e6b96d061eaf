/**
 * Files of encrypted chats (issue 17, item 4) on two nodes (the filesystem driver, or the run's S3
 * with TEST_STORAGE=s3): the client encrypts a file and its thumbnail (packages/client), the
 * server stores each as an opaque blob byte for byte — no sniffing, no thumbnail job, no name, no
 * type — binds them to the MLS message that carries their keys, serves them only to members, and
 * removes them with the message. The other member's device downloads, checks and decrypts them.
 */
import { expect } from "chai";
import pg from "pg";
import request from "supertest";
import {
  AckError,
  downloadAndOpen,
  encryptBytes,
  sealAndUpload,
  uploadSealed,
  type FileTransport,
} from "@chat/client";
import { ENCRYPTED_FILE_NAME } from "@chat/protocol";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { expectError } from "../rest/helpers/expect.ts";
import { fetchLink, readyFile, sendWithFiles } from "../support/attachments.ts";
import { tinyPng } from "../support/images.ts";
import { useDevices, type MlsDevice } from "../encryption/mls-fixture.ts";

const transport = (d: MlsDevice, baseUrl: string): FileTransport => ({ api: d.api, baseUrl });

describe("attachments: files of encrypted chats are opaque blobs", function () {
  this.timeout(60_000);
  // Node a sweeps every second: the bytes of a deleted message go on their own.
  const nodes = useTwoNodes({ REDIS_KEY_PREFIX: "enc-files", ATTACHMENT_SWEEP_SECONDS: "1" });
  const { device } = useDevices();

  it("stored byte for byte with no name, type or thumbnail; a member decrypts file and thumbnail; a stranger gets nothing", async () => {
    const { a, b } = nodes;
    const alice = await createUser(a.url, "Alice");
    const bob = await createUser(b.url, "Bob");
    const carol = await createUser(a.url, "Carol");
    const chatId = (
      await request(a.url)
        .post("/api/v1/chats")
        .set(alice.auth)
        .send({ chat_type: "private", member_ids: [bob.id], encrypted: true })
        .expect(201)
    ).body.chat_id as number;
    const a1 = await device(a.url, alice, "alice-laptop");
    const b1 = await device(b.url, bob, "bob-phone");
    await a1.mls.createGroup(chatId);
    await a1.mls.addUsers(chatId, [bob.id]);
    await eventually(() => expect(b1.mls.epoch(chatId)).to.equal(1n));

    // An encrypted upload names nothing: a name or a real type is refused.
    const withName = await request(a.url)
      .post("/api/v1/attachments")
      .set(alice.auth)
      .send({ encrypted: true, size: 10, name: "secret.pdf" });
    expectError(withName, 400, "validation_failed");
    const withType = await request(a.url)
      .post("/api/v1/attachments")
      .set(alice.auth)
      .send({ encrypted: true, size: 10, mime: "image/png" });
    expectError(withType, 400, "validation_failed");

    // A real PNG, encrypted: stored as sent, never sniffed or thumbnailed (a plain PNG would be).
    const png = await tinyPng(60, 40);
    const sealed = await encryptBytes(png);
    const ta = transport(a1, a.url);
    const rawId = await uploadSealed(ta, sealed.ciphertext);
    const db = new pg.Client({ connectionString: a.databaseUrl });
    await db.connect();
    try {
      const row = (
        await db.query(
          "SELECT name, mime, declared_mime, size, width, height, thumbnail_key, encrypted, state FROM attachments WHERE id = $1",
          [rawId],
        )
      ).rows[0];
      expect(row).to.deep.equal({
        name: ENCRYPTED_FILE_NAME,
        mime: "application/octet-stream",
        declared_mime: "application/octet-stream",
        size: String(sealed.ciphertext.byteLength),
        width: null,
        height: null,
        thumbnail_key: null,
        encrypted: true,
        state: "ready",
      });
      const link = await request(a.url).get(`/api/v1/attachments/${rawId}/link`).set(alice.auth).expect(200);
      const served = await fetchLink(a.url, link.body.url);
      expect(served.status).to.equal(200);
      expect(served.headers.get("content-type")).to.equal("application/octet-stream");
      expect(served.headers.get("content-disposition") ?? "").to.not.include("inline");
      expect(Buffer.from(await served.arrayBuffer())).to.deep.equal(Buffer.from(sealed.ciphertext));
      await request(a.url).get(`/api/v1/attachments/${rawId}/thumbnail`).set(alice.auth).expect(404);

      // An encrypted blob does not go into a plain chat, nor a plain (looked-into) upload into an encrypted one.
      const plainChat = (
        await request(a.url)
          .post("/api/v1/chats")
          .set(alice.auth)
          .send({ chat_type: "private", member_ids: [bob.id] })
          .expect(201)
      ).body.chat_id as number;
      const intoPlain = await request(a.url)
        .post(`/api/v1/chats/${plainChat}/messages`)
        .set(alice.auth)
        .send({ client_id: crypto.randomUUID(), attachment_ids: [rawId] });
      expectError(intoPlain, 409, "attachment_unusable");
      const plainId = await readyFile(a.url, alice, { name: "clear.png", mime: "image/png", bytes: png });
      const intoEncrypted = await a1.mls
        .send(chatId, "", undefined, {
          files: [{ ...(await sealedRef(plainId)), name: "x", mime: "image/png", size: 1 }],
        })
        .catch((e: unknown) => e);
      expect((intoEncrypted as AckError).code).to.equal("attachment_unusable");

      // The real flow: file + client-made thumbnail, their keys inside the MLS message.
      const thumb = await tinyPng(12, 8);
      const ref = await sealAndUpload(
        ta,
        { bytes: png, name: "holiday photo.png", mime: "image/png", width: 60, height: 40 },
        { bytes: thumb, mime: "image/png", width: 12, height: 8 },
      );
      const sent = await a1.mls.send(chatId, "our photo", undefined, { files: [ref] });
      expect(sent.attachments?.map((f) => f.id)).to.deep.equal([ref.id, ref.thumbnail!.id]);
      for (const f of sent.attachments!) {
        expect(f).to.deep.include({
          name: ENCRYPTED_FILE_NAME,
          mime: "application/octet-stream",
          encrypted: true,
        });
        expect(f).to.not.have.property("thumbnail_url");
      }
      await eventually(() => {
        const got = b1.mls.messages.get(chatId)?.find((m) => m.id === sent.id);
        expect(got?.text).to.equal("our photo");
        expect(got?.files).to.deep.equal([ref]);
      });
      const tb = transport(b1, b.url);
      expect(Buffer.from(await downloadAndOpen(tb, ref))).to.deep.equal(png);
      expect(Buffer.from(await downloadAndOpen(tb, ref.thumbnail!))).to.deep.equal(thumb);
      // Bob's sync (another node) carries the same blobs.
      const page = await request(b.url)
        .get(`/api/v1/chats/${chatId}/messages?after_seq=0`)
        .set(bob.auth)
        .expect(200);
      const onPage = page.body.messages.find((m: { id: number }) => m.id === sent.id);
      expect(onPage.attachments.map((f: { id: string }) => f.id)).to.deep.equal([ref.id, ref.thumbnail!.id]);

      // Not a member: the same not_found as for an id that does not exist.
      for (const id of [ref.id, ref.thumbnail!.id]) {
        await request(a.url).get(`/api/v1/attachments/${id}/link`).set(carol.auth).expect(404);
        await request(b.url).get(`/api/v1/attachments/${id}`).set(carol.auth).expect(404);
      }
      // Sent once: not again, in either kind of chat.
      const again = await request(a.url)
        .post(`/api/v1/chats/${plainChat}/messages`)
        .set(alice.auth)
        .send({ client_id: crypto.randomUUID(), attachment_ids: [ref.id] });
      expectError(again, 409, "attachment_unusable");

      // Deleted with the message: the links go at once, the bytes with the sweeper.
      await request(a.url).delete(`/api/v1/chats/${chatId}/messages/${sent.id}`).set(alice.auth).expect(200);
      await request(b.url).get(`/api/v1/attachments/${ref.id}/link`).set(bob.auth).expect(404);
      await eventually(async () => {
        const purged = await db.query(
          "SELECT count(*)::int AS n FROM attachments WHERE id = ANY($1::uuid[]) AND purged_at IS NOT NULL",
          [[ref.id, ref.thumbnail!.id]],
        );
        expect(purged.rows[0].n).to.equal(2);
      }, 10_000);
    } finally {
      await db.end();
    }

    async function sealedRef(id: string) {
      const s = await encryptBytes(new Uint8Array([1]));
      return { id, key: s.key, iv: s.iv, sha256: s.sha256 };
    }
  });
});
