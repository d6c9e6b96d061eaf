/**
 * The point of issue 17: the plaintext of an encrypted chat never reaches the server. Two nodes
 * with every log line kept (debug level), a Redis MONITOR capture of every command, then the whole
 * database read back as text: none holds any of the texts sent. Read receipts and "fully read"
 * keep working on metadata alone, exactly once.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { sealAndUpload } from "@chat/client";
import { Redis } from "ioredis";
import pg from "pg";
import request from "supertest";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";
import { eventually, sleep } from "../support/wait.ts";
import { memoryLogger } from "../rest/helpers/logs.ts";
import { encryptedChat, startGroup, textsOf, useDevices } from "./mls-fixture.ts";

/**
 * A text as a Redis MONITOR line shows it (Redis's sdscatrepr, then ioredis, which undoes only
 * `\"`): printable ASCII as it is, a backslash doubled, every other byte (all of UTF-8's
 * non-ASCII, so Cyrillic and emoji) as `\xNN`.
 */
const asMonitorShows = (s: string) =>
  [...Buffer.from(s, "utf8")]
    .map((b) => {
      const named: Record<number, string> = {
        0x5c: "\\\\",
        0x0a: "\\n",
        0x0d: "\\r",
        0x09: "\\t",
        0x07: "\\a",
        0x08: "\\b",
      };
      if (named[b]) return named[b];
      return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
    })
    .join("");

describe("encrypted chats: the plaintext never reaches the server", function () {
  this.timeout(60_000);
  const logs = [memoryLogger("debug"), memoryLogger("debug")];
  let redis: RedisProcess;
  let a: TestNode;
  let b: TestNode;
  let monitor: Redis;
  let monitoring: Redis | undefined;
  const redisTraffic: string[] = [];
  const { device } = useDevices();
  // Both nodes keep blobs on one disk folder (searched at the end) unless the run is on S3.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "plaintext-invisible-"));
  const onDisk = !process.env.TEST_STORAGE_ENV;
  const storage: Record<string, string> = onDisk ? { STORAGE_DRIVER: "filesystem", DATA_DIR: dataDir } : {};

  before(async () => {
    redis = await startRedis();
    monitor = new Redis(redis.url, { lazyConnect: true });
    const m = (monitoring = await monitor.monitor());
    m.on("error", () => undefined);
    m.on("monitor", (_time: string, args: string[]) => redisTraffic.push(args.join(" ")));
    a = await startTestNode({ REDIS_URL: redis.url, LOG_LEVEL: "debug", ...storage }, logs[0].logger);
    b = await startTestNode(
      { REDIS_URL: redis.url, LOG_LEVEL: "debug", DATABASE_URL: a.databaseUrl, ...storage },
      logs[1].logger,
    );
  });
  after(async () => {
    monitoring?.disconnect();
    monitor?.disconnect();
    await a?.close();
    await b?.close();
    await redis?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("not in the database rows, not in Redis, not in the node logs; receipts and fully-read exactly once", async () => {
    const alice = await createUser(a.url, "Alice");
    const bob = await createUser(b.url, "Bob");
    const chatId = await encryptedChat(a.url, alice, [bob], "private");
    const a1 = await device(a.url, alice, "a1");
    const b1 = await device(b.url, bob, "b1");
    const b2 = await device(a.url, bob, "b2");
    const fullyRead: number[][] = [];
    a1.socket.on("receipt:fully_read", (r) => fullyRead.push(r.message_ids));
    await startGroup(a1, chatId, [bob], [b1, b2]);

    const secrets = [
      "the launch code is SWORDFISH-7731",
      "meet at the old mill at 23:40",
      "пароль: кошка-на-крыше-42",
      "🔐 only for you 🔐 zebra-quartz",
    ];
    const sent = [];
    for (const [i, s] of secrets.entries()) sent.push(await (i % 2 === 0 ? a1 : b1).mls.send(chatId, s));
    // An edit is a new ciphertext that refers to the message.
    const edit = await a1.mls.send(chatId, "the launch code is now MARLIN-0042", sent[0].id);
    secrets.push("the launch code is now MARLIN-0042");
    for (const d of [a1, b1, b2]) await eventually(() => expect(textsOf(d, chatId)).to.deep.equal(secrets));
    expect(b1.mls.messages.get(chatId)!.at(-1)!.refers_to).to.equal(sent[0].id);

    // Receipts on metadata: Bob reads up to the edit on one device, then again on the other.
    const r1 = await b1.socket.read(chatId, edit.seq);
    expect(r1.fully_read_ids).to.include.members([sent[0].id, sent[2].id, edit.id]);
    await b2.socket.read(chatId, edit.seq);
    await eventually(() => expect(fullyRead.flat()).to.include(edit.id));
    await sleep(200);
    const flat = fullyRead.flat();
    expect(new Set(flat).size, "each message fully read once").to.equal(flat.length);
    const chat = await request(b.url).get(`/api/v1/chats/${chatId}`).set(bob.auth).expect(200);
    expect(chat.body.unread_count).to.equal(0);

    // A file: its bytes, name and type must not reach the server either (only its size does).
    const FILE_TEXT = "OCELOT-5519-JUNIPER quokka-manifest-8834";
    const FILE_NAME = "merger-plan-TANGERINE-2291.txt";
    const fileRef = await sealAndUpload(
      { api: a1.api, baseUrl: a.url },
      {
        bytes: new TextEncoder().encode(FILE_TEXT.repeat(20)),
        name: FILE_NAME,
        mime: "text/x-zanzibar-plan",
      },
      { bytes: new TextEncoder().encode(`thumbnail ${FILE_TEXT}`), mime: "image/webp" },
    );
    await a1.mls.send(chatId, "", undefined, { files: [fileRef] });
    await eventually(() => expect(b2.mls.messages.get(chatId)!.at(-1)!.files?.[0].name).to.equal(FILE_NAME));
    secrets.push(FILE_TEXT, FILE_NAME, "text/x-zanzibar-plan");

    // A control: a text in a plain chat is found by the same search (the captures do capture).
    const CANARY = "plain-canary-text-4411";
    // …and one in Cyrillic, which Redis MONITOR shows only as escaped bytes.
    const CANARY_RU = "контрольная-канарейка-4411";
    const plainChat = (
      await request(a.url)
        .post("/api/v1/chats")
        .set(alice.auth)
        .send({ chat_type: "private", member_ids: [bob.id] })
    ).body.chat_id as number;
    await a1.socket.send(plainChat, CANARY);
    await a1.socket.send(plainChat, CANARY_RU);

    // Now search everything the server had.
    const needles = secrets.flatMap((s) => [s, ...s.split(" ").filter((w) => w.length >= 6)]);
    const db = new pg.Client({ connectionString: a.databaseUrl });
    await db.connect();
    try {
      const tables = await db.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
      );
      let rows = 0;
      let canary = 0;
      for (const { tablename } of tables.rows) {
        const all = await db.query<{ row: string }>(`SELECT t::text AS row FROM "${tablename}" t`);
        rows += all.rows.length;
        for (const r of all.rows) {
          if (r.row.includes(CANARY)) canary++;
          for (const n of needles) expect(r.row, `${tablename} holds "${n}"`).to.not.include(n);
        }
      }
      expect(rows).to.be.greaterThan(20);
      expect(canary, "the plain control text is in the database").to.be.greaterThan(0);
    } finally {
      await db.end();
    }
    expect(redisTraffic.length).to.be.greaterThan(20);
    await eventually(() => {
      expect(
        redisTraffic.some((l) => l.includes(CANARY)),
        "the control in Redis",
      ).to.equal(true);
      expect(
        redisTraffic.some((l) => l.includes(asMonitorShows(CANARY_RU))),
        "the Cyrillic control in Redis, escaped",
      ).to.equal(true);
    });
    const inRedis = [...new Set(needles.flatMap((n) => [n, asMonitorShows(n)]))];
    expect(inRedis.length, "the non-ASCII secrets are searched escaped too").to.be.greaterThan(
      needles.length,
    );
    for (const line of redisTraffic)
      for (const n of inRedis) expect(line, "a Redis command").to.not.include(n);
    const logged = [...logs[0].raw, ...logs[1].raw];
    expect(logged.length).to.be.greaterThan(5);
    for (const line of logged) for (const n of needles) expect(line, "a node log line").to.not.include(n);
    if (onDisk) {
      // The blob store: both encrypted blobs are there, and neither the file's bytes nor its name.
      const files = fs
        .readdirSync(dataDir, { recursive: true, withFileTypes: true })
        .filter((f) => f.isFile());
      const blobs = files.filter((f) => f.parentPath.includes(`${path.sep}blobs`));
      expect(blobs.length, "the encrypted blobs are on disk").to.be.at.least(2);
      for (const f of files) {
        const where = path.join(f.parentPath, f.name);
        const bytes = fs.readFileSync(where).toString("latin1");
        for (const n of [FILE_TEXT, FILE_NAME, "OCELOT", "TANGERINE"]) {
          expect(where, "a stored path").to.not.include(n);
          expect(bytes, `${where} holds "${n}"`).to.not.include(n);
        }
      }
    }
  });
});
