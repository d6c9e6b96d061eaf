/**
 * The shipped nginx.conf in front of two nodes (filesystem driver on a folder both share): an
 * upload far above the 128 KB body limit of the API goes through the node-served link (its own
 * location streams bodies up to 26 MB), and is completed and fetched back through nginx.
 */
import crypto from "node:crypto";
import { expect } from "chai";
import request from "supertest";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { useTwoNodes } from "../support/two-nodes.ts";
import { createUser } from "../support/users.ts";
import { askUpload, complete, fetchLink, putBytes } from "../support/attachments.ts";

describe("attachments: through nginx", function () {
  this.timeout(60_000);
  const nodes = useTwoNodes({
    STORAGE_DRIVER: "filesystem",
    REDIS_KEY_PREFIX: "att-nginx",
    TRUST_PROXY_HOPS: "1",
  });
  let nginx: NginxProcess;
  before(async () => {
    nginx = await startNginx([nodes.a.port, nodes.b.port]);
  });
  after(() => nginx?.stop());

  it("a 5 MB file goes up and comes back through nginx", async () => {
    const u = await createUser(nginx.url, "Big");
    const file = crypto.randomBytes(5 * 1024 * 1024);
    const asked = await askUpload(nginx.url, u, {
      name: "big.zip",
      size: file.length,
      mime: "application/zip",
    });
    const put = await putBytes(nginx.url, asked, file);
    expect(put.status, await put.clone().text()).to.equal(200);
    const done = await complete(nginx.url, u, asked.id).expect(200);
    expect(done.body.size).to.equal(file.length);
    const loc = (await request(nginx.url).get(done.body.url).set(u.auth).expect(302)).headers.location;
    const back = Buffer.from(await (await fetchLink(nginx.url, loc)).arrayBuffer());
    expect(back.equals(file)).to.equal(true);
    // The API's own routes keep their 128 KB limit.
    const big = await request(nginx.url)
      .post("/api/v1/attachments")
      .set(u.auth)
      .send({ name: "x".repeat(200_000), size: 1, mime: "text/plain" });
    expect(big.status).to.equal(413);
  });
});
