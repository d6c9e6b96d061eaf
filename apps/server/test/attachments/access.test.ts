/**
 * Who may fetch a file, checked at the moment of each request, on both nodes of a cluster with
 * the filesystem driver (the nodes share the folder, as they would a volume): members of the chat
 * it was sent to; not a non-member, not a member once removed, not anyone once the message is
 * deleted; a guessed id is the same 404. The node's own links (HMAC-signed) are refused once
 * expired or changed, on any node.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { expectError } from "../rest/helpers/expect.ts";
import { fetchLink, readyFile, sendWithFiles } from "../support/attachments.ts";
import { tinyPng } from "../support/images.ts";
import { sleep } from "../support/wait.ts";

const LINK_SECONDS = 5;

describe("attachments: access on two nodes (filesystem)", function () {
  this.timeout(60_000);
  const nodes = useTwoNodes({
    STORAGE_DRIVER: "filesystem",
    REDIS_KEY_PREFIX: "att-acl",
    ATTACHMENT_LINK_SECONDS: String(LINK_SECONDS),
  });
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let chatId: number;
  let fileUrl: string;
  let messageId: number;

  before(async () => {
    const { a } = nodes;
    [owner, member, outsider] = await Promise.all(
      ["Owner", "Member", "Outsider"].map((n) => createUser(a.url, n)),
    );
    chatId = await createGroup(a.url, owner, [member], "files");
    const id = await readyFile(a.url, owner, { name: "p.png", mime: "image/png", bytes: await tinyPng() });
    messageId = (await sendWithFiles(a.url, owner, chatId, [id], "see this")).id;
    fileUrl = `/api/v1/attachments/${id}`;
  });

  const outcome = async (url: string, who: TestUser, path = fileUrl) => {
    const res = await request(url).get(path).set(who.auth);
    return `${res.status}${res.body?.error ? ` ${res.body.error.code}` : ""}`;
  };

  it("members on either node; a non-member and a guessed id alike get 404", async () => {
    const { a, b } = nodes;
    const guessed = `/api/v1/attachments/${crypto.randomUUID()}`;
    expect([
      await outcome(a.url, member),
      await outcome(b.url, member),
      await outcome(b.url, owner, `${fileUrl}/thumbnail`),
      await outcome(a.url, outsider),
      await outcome(b.url, outsider, `${fileUrl}/link`),
      await outcome(b.url, member, guessed),
      await outcome(b.url, outsider, guessed),
    ]).to.deep.equal([
      "302",
      "302",
      "302",
      "404 not_found",
      "404 not_found",
      "404 not_found",
      "404 not_found",
    ]);
  });

  it("a link issued by node A is served by node B; changed, or expired, it is refused", async () => {
    const { a, b } = nodes;
    const link = (await request(a.url).get(`${fileUrl}/link`).set(member.auth).expect(200)).body
      .url as string;
    expect(link.startsWith("/api/v1/blobs/")).to.equal(true);
    expect((await fetchLink(b.url, link)).status).to.equal(200);
    const dot = link.lastIndexOf(".");
    const tampered = [
      link.slice(0, dot + 3) + (link[dot + 3] === "x" ? "y" : "x") + link.slice(dot + 4),
      // Another file's key in the claims, with the old signature.
      link.replace(/\/api\/v1\/blobs\/[^.]+/, (p) =>
        p.replace(
          p.slice(14),
          Buffer.from(
            JSON.stringify({
              ...JSON.parse(Buffer.from(p.slice(14), "base64url").toString()),
              key: "a/x/original",
            }),
          ).toString("base64url"),
        ),
      ),
    ];
    for (const bad of tampered) {
      const res = await fetchLink(b.url, bad);
      expect(res.status, bad).to.equal(403);
      expect(res.headers.get("content-disposition")).to.equal(null);
    }
    await sleep(LINK_SECONDS * 1000 + 1100); // the link's lifetime is what is under test
    const late = await fetchLink(b.url, link);
    expect(late.status).to.equal(403);
    expect(((await late.json()) as { error: { message: string } }).error.message).to.match(/expired/);
  });

  it("a removed member is refused at once on both nodes; a deleted message takes its files along", async () => {
    const { a, b } = nodes;
    await request(a.url).delete(`/api/v1/chats/${chatId}/members/${member.id}`).set(owner.auth).expect(200);
    expect([await outcome(a.url, member), await outcome(b.url, member)]).to.deep.equal([
      "404 not_found",
      "404 not_found",
    ]);
    expect(await outcome(b.url, owner)).to.equal("302");
    await request(a.url).delete(`/api/v1/chats/${chatId}/messages/${messageId}`).set(owner.auth).expect(200);
    expect([await outcome(a.url, owner), await outcome(b.url, owner)]).to.deep.equal([
      "404 not_found",
      "404 not_found",
    ]);
  });
});
