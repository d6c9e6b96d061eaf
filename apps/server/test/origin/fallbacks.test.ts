/**
 * What no origin route answers still answers as FastAPI does at the root — a path nobody serves
 * (404 `{"detail": "Not Found"}`) and a body that is not JSON (422 `{"detail": [{loc, msg, type}]}`) —
 * while /api/v1 keeps our envelope for the same mistakes.
 */
import { expect } from "chai";
import request from "supertest";
import { useNode } from "../support/node.ts";

describe("origin surface: what no route answers", () => {
  const node = useNode();

  it("a root path nobody serves: 404 {detail: 'Not Found'}; under /api/v1: our envelope", async () => {
    const root = await request(node.url).get("/no/such/path").set("Accept", "application/json").expect(404);
    expect(root.body).to.deep.equal({ detail: "Not Found" });
    const v1 = await request(node.url).get("/api/v1/no/such/path").expect(404);
    expect(v1.body.error.code).to.equal("not_found");
  });

  it("a body that is not JSON: 422 with FastAPI's detail list at the root, invalid_json under /api/v1", async () => {
    const root = await request(node.url)
      .post("/register")
      .set("Content-Type", "application/json")
      .send("{not json")
      .expect(422);
    expect(root.body.detail).to.be.an("array").with.length(1);
    expect(root.body.detail[0]).to.include({ type: "json_invalid" });
    expect(root.body.detail[0].loc).to.deep.equal(["body"]);
    const v1 = await request(node.url)
      .post("/api/v1/register")
      .set("Content-Type", "application/json")
      .send("{not json")
      .expect(400);
    expect(v1.body.error.code).to.equal("invalid_json");
  });
});
