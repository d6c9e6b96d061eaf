/**
 * The new API lives under /api/v1 (issue 14 item 1), so the root is free for the origin's surface;
 * probes, docs and the socket stay at the root. The paths here are written out on purpose: they are
 * the wire contract, not something to derive from the constant under test.
 */
import { expect } from "chai";
import request from "supertest";
import { ApiClient } from "@chat/client";
import { API_PREFIX } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { uniqueEmail } from "../support/users.ts";

describe("REST: the new API under /api/v1", () => {
  const node = useNode();

  it("is served under /api/v1 with its conventions (201, 409 in our envelope, English)", async () => {
    expect(API_PREFIX).to.equal("/api/v1");
    const email = uniqueEmail("prefix");
    const body = { name: "Pre", email, password: "password1" };
    const reg = await request(node.url).post("/api/v1/register").send(body);
    expect(reg.status).to.equal(201);
    const dup = await request(node.url).post("/api/v1/register").send(body);
    expect(dup.status).to.equal(409);
    expect(dup.body.error).to.include({ code: "email_taken" });
    expect(dup.body.error.message).to.match(/^[\x20-\x7e]+$/);
    const unauth = await request(node.url).get("/api/v1/admin/cluster");
    expect(unauth.status).to.equal(401);
    expect(unauth.body.error.code).to.equal("unauthorized");
  });

  it("keeps probes, docs and the realtime description at the root, not under /api/v1", async () => {
    for (const path of ["/healthz", "/readyz", "/openapi.json", "/asyncapi.json", "/asyncapi", "/redoc"]) {
      const res = await request(node.url).get(path);
      expect(res.status, path).to.equal(200);
    }
    expect((await request(node.url).get("/docs/")).status).to.equal(200);
    for (const path of ["/api/v1/healthz", "/api/v1/readyz", "/api/v1/openapi.json"]) {
      const res = await request(node.url).get(path);
      expect(res.status, path).to.equal(404);
      expect(res.body.error.code, path).to.equal("not_found");
    }
  });

  it("lists the real paths in /openapi.json: the API under /api/v1, the probes and the origin's surface at the root", async () => {
    const doc = (await request(node.url).get("/openapi.json").expect(200)).body as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const isOrigin = (p: string) => Object.values(doc.paths[p]).every((op) => op.tags?.includes("origin"));
    expect(Object.keys(doc.paths).filter(isOrigin)).to.include.members([
      "/register",
      "/token",
      "/history/{chat_id}",
    ]);
    const paths = Object.keys(doc.paths).filter((p) => !isOrigin(p));
    expect(paths).to.include.members([
      "/api/v1/register",
      "/api/v1/token",
      "/api/v1/chats/{chat_id}/messages",
      "/api/v1/admin/cluster",
      "/healthz",
      "/readyz",
    ]);
    const elsewhere = paths.filter((p) => !p.startsWith("/api/v1/") && p !== "/healthz" && p !== "/readyz");
    expect(elsewhere).to.deep.equal([]);
  });

  it("packages/client calls the /api/v1 paths (register, token, me, createChat)", async () => {
    const api = new ApiClient(node.url);
    const email = uniqueEmail("client");
    const reg = await api.register("Cli", email, "password1");
    await api.login(email, "password1");
    expect((await api.call("me")).id).to.equal(reg.id);
    const chat = await api.call("createChat", { body: { chat_type: "group", name: "prefixed" } });
    expect(chat.chat_id).to.be.a("number");
  });
});
