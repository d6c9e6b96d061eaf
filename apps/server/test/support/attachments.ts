/**
 * Attachment helpers for every suite (issue 16): the client's side of the upload flow (ask, PUT
 * the bytes where told, complete), following links, and linking a file to a message in SQL the
 * way the send path does (message_id, chat_id, position), for tests of access and serving.
 */
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

/** What the send path does when a message carries the file: link it to the message in its chat. */
export async function linkToMessage(databaseUrl: string, attachmentId: string, messageId: number) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(
      `UPDATE attachments a SET message_id = m.id, chat_id = m.chat_id, position = 0
         FROM messages m WHERE a.id = $1 AND m.id = $2`,
      [attachmentId, messageId],
    );
  } finally {
    await c.end();
  }
}

/** Follows a link (302's Location or the JSON url) and answers what storage or the node served. */
export const fetchLink = (baseUrl: string, url: string) =>
  fetch(absolute(baseUrl, url), { redirect: "manual" });
