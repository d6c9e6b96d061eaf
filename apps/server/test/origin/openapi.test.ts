/**
 * The OpenAPI document describes the origin's surface too (issue 14 item 4): each origin route
 * with tag "origin", its parameters, its 200 and FastAPI's `{"detail"}` errors (422 for validation).
 */
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import request from "supertest";
import { originRoutes, type OriginRouteDef } from "@chat/protocol";
import { originOpenApi } from "../../src/http/origin/origin-openapi.ts";
import { useNode } from "../support/node.ts";

type Ops = Record<
  string,
  Record<string, { tags?: string[]; responses: Record<string, unknown>; security?: unknown[] }>
>;

function expectOriginOps(paths: Ops) {
  for (const def of Object.values(originRoutes) as OriginRouteDef[]) {
    const op = paths[def.path]?.[def.method];
    expect(op, `${def.method} ${def.path}`).to.be.an("object");
    expect(op.tags).to.deep.equal(["origin"]);
    expect(Object.keys(op.responses)).to.include.members(["200", ...def.errors.map(String)]);
    expect(op.security).to.deep.equal(def.auth ? [{ bearer: [] }] : []);
  }
}

describe("origin surface: OpenAPI", () => {
  it("the origin's part is a valid OpenAPI 3.1 document listing every origin route", async () => {
    const part = originOpenApi();
    const doc = { openapi: "3.1.0", info: { title: "origin", version: "0" }, ...part };
    await SwaggerParser.validate(structuredClone(doc) as never);
    expectOriginOps(part.paths as Ops);
  });

  describe("served at /openapi.json", () => {
    const node = useNode();
    it("lists the origin's operations under the tag origin, beside the main API's", async () => {
      const doc = (await request(node.url).get("/openapi.json").expect(200)).body;
      expect(doc.tags.map((t: { name: string }) => t.name)).to.include("origin");
      expectOriginOps(doc.paths as Ops);
      const otherTags = new Set(
        Object.values(doc.paths as Ops).flatMap((ops) => Object.values(ops).flatMap((o) => o.tags ?? [])),
      );
      expect([...otherTags]).to.include.members(["origin", "chats", "messages", "auth"]);
    });
  });
});
