/**
 * The server's own MLS signature key: every encrypted group lists it in its `external_senders`
 * extension, so the server can propose Remove when the database's membership changes. Made by the
 * first node that needs it (one row; concurrent first uses agree through the primary key), kept in
 * PostgreSQL, never logged. Proposals are made with ts-mls (`proposeExternal`).
 */
import { encodeExternalSender, encodeMlsMessage, proposeExternal, type GroupInfo } from "ts-mls";
import type pg from "pg";
import { b64Of, cipherSuite } from "./framing.ts";

export interface ServerKey {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  /** The TLS-encoded ExternalSender, base64. */
  externalSender: string;
}

/** The identity in the server's basic credential. */
export const SERVER_IDENTITY = "server";

const keys = new WeakMap<pg.Pool, Promise<ServerKey>>();

export function serverKey(pool: pg.Pool): Promise<ServerKey> {
  let k = keys.get(pool);
  if (!k) {
    k = loadOrCreate(pool);
    // A failed load (database down) is tried again next time.
    k.catch(() => keys.delete(pool));
    keys.set(pool, k);
  }
  return k;
}

async function loadOrCreate(pool: pg.Pool): Promise<ServerKey> {
  const read = () =>
    pool.query<{ public_key: string; private_key: string }>(
      "SELECT public_key, private_key FROM mls_server_key WHERE id = 1",
    );
  let { rows } = await read();
  if (!rows[0]) {
    const cs = await cipherSuite();
    const made = await cs.signature.keygen();
    await pool.query(
      "INSERT INTO mls_server_key (id, public_key, private_key) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
      [b64Of(made.publicKey), b64Of(made.signKey)],
    );
    ({ rows } = await read());
  }
  const publicKey = new Uint8Array(Buffer.from(rows[0].public_key, "base64"));
  const privateKey = new Uint8Array(Buffer.from(rows[0].private_key, "base64"));
  const externalSender = b64Of(
    encodeExternalSender({
      signaturePublicKey: publicKey,
      credential: { credentialType: "basic", identity: new TextEncoder().encode(SERVER_IDENTITY) },
    }),
  );
  return { publicKey, privateKey, externalSender };
}

/** A Remove proposal of `leafIndex` from the server as external sender, for the GroupInfo's epoch (base64 MLSMessage). */
export async function serverRemoveProposal(
  key: ServerKey,
  groupInfo: GroupInfo,
  leafIndex: number,
): Promise<string> {
  const cs = await cipherSuite();
  const msg = await proposeExternal(
    groupInfo,
    { proposalType: "remove", remove: { removed: leafIndex } },
    key.publicKey,
    key.privateKey,
    cs,
  );
  return b64Of(encodeMlsMessage(msg));
}
