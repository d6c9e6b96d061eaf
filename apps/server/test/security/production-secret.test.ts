/**
 * Item 5 of issue 12: a production node refuses a placeholder or low-entropy JWT_SECRET at
 * startup (a real child process running src/main.ts, as the image does), and starts with a random one.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseAllDocuments } from "yaml";
import { spawnNode } from "../../src/launcher/node-process.ts";
import { secretWeakness } from "../../src/auth/secret-strength.ts";
import { freshDatabase } from "../support/db.ts";
import { NO_RATE_LIMITS, ROOT_DIR } from "../support/node.ts";

const shipped = (key: string): string => {
  const file = path.join(ROOT_DIR, "deploy/k8s/secret.example.yaml");
  const doc = parseAllDocuments(fs.readFileSync(file, "utf8"))[0].toJS() as {
    stringData: Record<string, string>;
  };
  return doc.stringData[key];
};
const shippedExample = () => shipped("JWT_SECRET");

const WEAK = [
  "change-me-to-at-least-32-random-bytes-base64", // the example the issue started a node with
  "my-super-secret-jwt-signing-key-for-production",
  "a".repeat(48),
  "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
  "0123456789012345678901234567890123456789",
  "abababababababababababababababababababab",
  "qwertyuiop[]qwertyuiop[]qwertyuiop[]qwertyuiop[]",
  "ChangeMeToAtLeast32RandomBytesBase64Please",
  "REPLACE_WITH_A_LONG_RANDOM_VALUE_0123456789",
];

describe("production JWT_SECRET", function () {
  this.timeout(60_000);
  let databaseUrl: string;
  before(async () => {
    databaseUrl = await freshDatabase();
  });

  const start = (secret: string, env: Record<string, string> = {}) =>
    spawnNode({
      ...NO_RATE_LIMITS,
      NODE_ENV: "production",
      PORT: "0",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: secret,
      ...env,
    });

  it("judges the shipped example and typical weak values weak, and real random ones strong", () => {
    for (const s of [shippedExample(), ...WEAK]) expect(secretWeakness(s, 32), s).to.be.a("string");
    // 8,000 random secrets: a placeholder word spelled by chance inside random letters was a
    // false refusal about once in 7,000 before words had to stand in one written word.
    for (let i = 0; i < 2000; i++) {
      for (const s of [
        crypto.randomBytes(32).toString("base64"),
        crypto.randomBytes(48).toString("base64"),
        crypto.randomBytes(24).toString("hex"),
        crypto.randomBytes(32).toString("base64url"),
      ])
        expect(secretWeakness(s, 32), s).to.equal(undefined);
    }
  });

  it("a production node refuses the shipped example with a clear startup error", async () => {
    const err = await start(shippedExample()).then(
      async (n) => void (await n.kill("SIGKILL")), // it should not have started: end it at once
      (e: Error) => e,
    );
    expect(err, "the node started").to.be.instanceOf(Error);
    expect(err!.message).to.match(/exited \(1\)/);
    expect(err!.message).to.match(/JWT_SECRET is refused in production: looks like a placeholder/);
  });

  it("a production node refuses other weak values", async () => {
    for (const s of [WEAK[3], WEAK[6]]) {
      const err = await start(s).then(
        async (n) => void (await n.kill("SIGKILL")), // it should not have started: end it at once
        (e: Error) => e,
      );
      expect(err?.message, s).to.match(/JWT_SECRET is refused in production/);
    }
  });

  it("a production node refuses the shipped example METRICS_TOKEN", async () => {
    const err = await start(crypto.randomBytes(32).toString("base64"), {
      METRICS_TOKEN: shipped("METRICS_TOKEN"),
    }).then(
      async (n) => void (await n.kill("SIGKILL")), // it should not have started: end it at once
      (e: Error) => e,
    );
    expect(err?.message).to.match(/METRICS_TOKEN is refused in production: looks like a placeholder/);
  });

  it("a production node starts with `openssl rand -base64 32`-like randomness", async () => {
    const node = await start(crypto.randomBytes(32).toString("base64"));
    try {
      const res = await fetch(`${node.url}/healthz`);
      expect(res.status).to.equal(200);
    } finally {
      expect(await node.kill()).to.equal(0);
    }
  });
});
