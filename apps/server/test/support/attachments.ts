/**
 * Attachment rows for message tests, written straight to the database: the upload flow (issue 16,
 * items 1–2) is not needed to send a message with files, only rows in the state it leaves them.
 */
import crypto from "node:crypto";
import pg from "pg";

export interface AttachmentSeed {
  uploaderId: number;
  /** @default "ready" */
  state?: "pending" | "ready" | "failed";
  /** @default "file.bin" */
  name?: string;
  /** @default "application/octet-stream" */
  mime?: string;
  /** @default 1234 */
  size?: number;
  width?: number;
  height?: number;
  /** Give the row a thumbnail key (an image's). */
  thumbnail?: boolean;
}

/** A pool on a test database that ends after the enclosing describe block. */
export function useAttachmentRows(databaseUrl: () => string): (seed: AttachmentSeed) => Promise<string> {
  let pool: pg.Pool | undefined;
  after(() => pool?.end());
  return (seed) => {
    pool ??= new pg.Pool({ connectionString: databaseUrl(), max: 2 });
    return insertAttachment(pool, seed);
  };
}

/** Inserts one upload row (ready unless told) and answers its id. */
export async function insertAttachment(db: pg.Pool, seed: AttachmentSeed): Promise<string> {
  const id = crypto.randomUUID();
  const state = seed.state ?? "ready";
  const ready = state === "ready";
  const size = seed.size ?? 1234;
  const mime = seed.mime ?? "application/octet-stream";
  await db.query(
    `INSERT INTO attachments (id, uploader_id, storage_key, name, declared_mime, declared_size, mime, size,
                              width, height, thumbnail_key, state, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      id,
      seed.uploaderId,
      `test/${id}`,
      seed.name ?? "file.bin",
      mime,
      size,
      ready ? mime : null,
      ready ? size : null,
      seed.width ?? null,
      seed.height ?? null,
      seed.thumbnail ? `test/${id}.thumb` : null,
      state,
      state === "pending" ? null : new Date(),
    ],
  );
  return id;
}
