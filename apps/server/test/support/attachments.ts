/**
 * Attachment helpers for every suite (issue 16): the client's side of the upload flow (ask, PUT
 * the bytes where told, complete), following links, sending a message with files; and rows
 * written straight to the database for message tests that need only the state an upload leaves.
 */
import crypto from "node:crypto";
import request from "supertest";
import pg from "pg";
import type { TestUser } from "./users.ts";

export interface Asked {
  id: string;
  upload: { method: "PUT"; url: string; headers: Record<string, string> };
  expires_at: string;
}

/** Resolves a link: absolute (S3) as is, relative (the node's own) against the node. */
export const absolute = (baseUrl: string, url: string) => new URL(url, baseUrl).toString();

export async function askUpload(
  baseUrl: string,
  user: TestUser,
  file: { name: string; size: number; mime: string },
): Promise<Asked> {
  const res = await request(baseUrl).post("/api/v1/attachments").set(user.auth).send(file);
  if (res.status !== 201) throw new Error(`ask upload: ${res.status} ${res.text}`);
  return res.body as Asked;
}

/** PUTs the bytes where the ask said, with the headers it said. */
export async function putBytes(baseUrl: string, asked: Asked, bytes: Buffer): Promise<Response> {
  return fetch(absolute(baseUrl, asked.upload.url), {
    method: asked.upload.method,
    headers: asked.upload.headers,
    body: new Uint8Array(bytes),
  });
}

export const complete = (baseUrl: string, user: TestUser, id: string) =>
  request(baseUrl).post(`/api/v1/attachments/${id}/complete`).set(user.auth);

/** The whole flow; answers the completion (200 with the file, or the refusal). */
export async function uploadFile(
  baseUrl: string,
  user: TestUser,
  file: { name: string; mime: string; bytes: Buffer },
) {
  const asked = await askUpload(baseUrl, user, { name: file.name, size: file.bytes.length, mime: file.mime });
  const put = await putBytes(baseUrl, asked, file.bytes);
  if (put.status !== 200) throw new Error(`upload bytes: ${put.status} ${await put.text()}`);
  return { asked, done: await complete(baseUrl, user, asked.id) };
}

/** A ready upload's id (the flow must succeed). */
export async function readyFile(
  baseUrl: string,
  user: TestUser,
  file: { name: string; mime: string; bytes: Buffer },
) {
  const { asked, done } = await uploadFile(baseUrl, user, file);
  if (done.status !== 200) throw new Error(`complete: ${done.status} ${done.text}`);
  return asked.id;
}

/** Follows a link (302's Location or the JSON url) and answers what storage or the node served. */
export const fetchLink = (baseUrl: string, url: string) =>
  fetch(absolute(baseUrl, url), { redirect: "manual" });

/** Sends a message carrying files (the send path links them: message_id, chat_id, position). */
export async function sendWithFiles(
  baseUrl: string,
  user: TestUser,
  chatId: number,
  ids: string[],
  text = "",
) {
  const res = await request(baseUrl)
    .post(`/api/v1/chats/${chatId}/messages`)
    .set(user.auth)
    .send({ client_id: crypto.randomUUID(), ...(text ? { text } : {}), attachment_ids: ids });
  if (res.status !== 201) throw new Error(`send with files: ${res.status} ${res.text}`);
  return res.body.message as { id: number; chat_id: number; seq: number };
}

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
