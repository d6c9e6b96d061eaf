import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import express from "express";
import request from "supertest";
import { webRoutes } from "../../src/http/routes/web-routes.ts";

/** The router that serves the built web client: files, the client-route fallback, and what it leaves alone. */
describe("web routes: the client at /", () => {
  let dist: string;
  const app = (dir: string) =>
    express()
      .use(webRoutes(dir))
      .use((_req, res) => void res.status(404).json({ error: { code: "not_found" } }));
  const html = "text/html,application/xhtml+xml,*/*;q=0.8";
  before(() => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), "chat-web-dist-"));
    fs.mkdirSync(path.join(dist, "assets"));
    fs.writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>Chat</title>");
    fs.writeFileSync(path.join(dist, "assets", "index-abc123.js"), "console.log(1)");
  });
  after(() => fs.rmSync(dist, { recursive: true, force: true }));

  it("answers index.html for / and for client routes, revalidated on every load", async () => {
    // /admin: the admin console, a page of the client under the API's "admin" segment.
    for (const url of ["/", "/c/12", "/admin"]) {
      const res = await request(app(dist)).get(url).set("accept", html).expect(200);
      expect(res.text).to.contain("<title>Chat</title>");
      expect(res.headers["cache-control"]).to.equal("no-cache");
    }
    // The root answers the app whatever the Accept header (curl, health checkers).
    const root = await request(app(dist)).get("/").set("accept", "*/*").expect(200);
    expect(root.text).to.contain("<title>Chat</title>");
  });

  it("serves hashed assets with a long cache", async () => {
    const res = await request(app(dist)).get("/assets/index-abc123.js").expect(200);
    expect(res.headers["cache-control"]).to.contain("immutable");
  });

  it("leaves API paths, non-HTML requests, other methods and missing files to the API's 404", async () => {
    const cases: [string, string, string][] = [
      ["get", "/api/v1/chats", html],
      ["get", "/api/v1/users/3/presence", html],
      ["get", "/api/v1/nowhere", html],
      // The root's first segments of the table stay the server's (the origin's surface answers there).
      ["get", "/chats", html],
      ["get", "/users/3/presence", html],
      ["get", "/admin/cluster", html],
      ["get", "/admin", "application/json"],
      ["get", "/socket.io/x", html],
      ["get", "/docs/missing", html],
      ["get", "/c/12", "application/json"],
      ["get", "/c/12", "*/*"],
      ["post", "/c/12", html],
      ["get", "/favicon.ico", html],
      ["get", "/assets/gone.js", html],
    ];
    for (const [method, url, accept] of cases) {
      const res = await request(app(dist))[method as "get" | "post"](url).set("accept", accept);
      expect(res.status, `${method} ${url} (${accept})`).to.equal(404);
      expect(res.body.error.code).to.equal("not_found");
    }
  });

  it("says how to build the client when dist is missing", async () => {
    const res = await request(app(path.join(dist, "nope")))
      .get("/")
      .set("accept", html)
      .expect(200);
    expect(res.headers["content-type"]).to.contain("text/html");
    expect(res.text).to.contain("pnpm run setup");
  });
});
