import SwaggerParser from "@apidevtools/swagger-parser";
import { expect } from "chai";
import request from "supertest";
import { errorCatalogue, servedPath, type RouteName } from "@chat/protocol";
import { useNode } from "../support/node.ts";
import { expectOk } from "./helpers/expect.ts";
import { def, pathParams, routeNames } from "./helpers/paths.ts";

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }
  >;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

describe("REST: API docs and probes", () => {
  const node = useNode();
  let doc: OpenApiDoc;
  before(async () => {
    const res = await request(node.url).get("/openapi.json");
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/json/);
    doc = res.body as OpenApiDoc;
  });

  const op = (name: RouteName) => doc.paths[servedPath(def(name))]?.[def(name).method];

  it("GET /openapi.json is a valid OpenAPI 3.1 document (swagger-parser)", async () => {
    expect(doc.openapi).to.match(/^3\.1\./);
    // validate() dereferences in place: give it a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it("lists every route of the table with its method, and nothing else (the origin's are tagged origin)", () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([, o]) => !o.tags?.includes("origin"))
        .map(([m]) => `${m} ${p}`),
    );
    const table = routeNames.map((n) => `${def(n).method} ${servedPath(def(n))}`);
    expect(documented).to.have.members(table);
  });

  for (const name of routeNames) {
    const d = def(name);
    it(`${d.method.toUpperCase()} ${servedPath(d)}: summary, bearer scheme, parameters, body, success and errors`, () => {
      const o = op(name)!;
      expect(o.summary).to.equal(d.summary);
      expect(o.tags).to.deep.equal([d.tag]);
      if (d.auth) expect(o.security).to.deep.equal([{ bearer: [] }]);
      else expect(o.security ?? []).to.deep.equal([]);
      const inPath = (o.parameters ?? []).filter((p) => p.in === "path");
      expect(inPath.map((p) => p.name)).to.have.members(pathParams(name));
      for (const p of inPath) expect(p.required).to.equal(true);
      if (d.body) {
        expect(o.requestBody?.content).to.have.property("application/json");
        if (d.form) expect(o.requestBody?.content).to.have.property("application/x-www-form-urlencoded");
      } else {
        expect(o.requestBody).to.equal(undefined);
      }
      for (const s of [d.status, ...(d.alsoStatus ?? [])]) {
        // A redirect documents its Location, with no body.
        if (s >= 300 && s < 400)
          expect(o.responses[String(s)]?.headers, `redirect ${s}`).to.have.property("Location");
        else
          expect(o.responses[String(s)]?.content?.["application/json"]?.schema, `success ${s}`).to.be.an(
            "object",
          );
      }
      for (const code of d.errors) {
        const r = o.responses[String(errorCatalogue[code].status)];
        expect(r?.description, `${code} documented`).to.include(code);
        expect(r?.content?.["application/json"]?.schema).to.deep.equal({
          $ref: "#/components/schemas/ErrorResponse",
        });
      }
      if (d.auth) expect(o.responses["401"]?.description).to.include("unauthorized");
    });
  }

  it("declares the bearer scheme, so Postman and Swagger UI send the token", () => {
    expect(doc.components.securitySchemes.bearer).to.deep.include({ type: "http", scheme: "bearer" });
  });

  it("serves Swagger UI at /docs and ReDoc at /redoc, without a CDN", async () => {
    const docs = await request(node.url).get("/docs").redirects(1);
    expect(docs.status).to.equal(200);
    expect(docs.text).to.match(/swagger-ui/i);
    const init = await request(node.url).get("/docs/swagger-ui-init.js");
    expect(init.status).to.equal(200);
    expect(init.text).to.include("/api/v1/chats/{chat_id}/messages");
    const redoc = await request(node.url).get("/redoc");
    expect(redoc.status).to.equal(200);
    expect(redoc.headers["content-type"]).to.match(/text\/html/);
    expect(redoc.text).to.include('spec-url="/openapi.json"');
    const bundle = await request(node.url).get("/redoc/redoc.standalone.js");
    expect(bundle.status).to.equal(200);
    expect(bundle.headers["content-type"]).to.match(/javascript/);
    expect(bundle.text.length).to.be.greaterThan(100_000);
    for (const page of [docs.text, redoc.text]) expect(page).not.to.match(/<script[^>]+src="https?:\/\//);
  });

  it("GET /healthz and GET /readyz answer without a token", async () => {
    expect(expectOk("healthz", await request(node.url).get("/healthz"))).to.deep.equal({ status: "ok" });
    const ready = expectOk("readyz", await request(node.url).get("/readyz"));
    expect(ready).to.deep.equal({ status: "ok", checks: { database: "ok", redis: "disabled" } });
  });
});
