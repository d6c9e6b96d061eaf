/** The error mapping both edges share (edge/errors.ts), without a server. */
import { expect } from "chai";
import { z } from "zod";
import { AppError } from "@chat/protocol";
import { toAppError } from "../../src/edge/errors.ts";
import { isConnectionError } from "../../src/store/connection-errors.ts";

const code = (err: unknown) => toAppError(err)?.code ?? null;

describe("unit: error mapping (edge/errors.ts)", () => {
  it("an AppError is itself", () => {
    const e = new AppError("forbidden", "no");
    expect(toAppError(e)).to.equal(e);
  });

  it("a zod error is validation_failed with its issues as details", () => {
    const r = z.strictObject({ n: z.number() }).safeParse({ n: "x" });
    const e = toAppError(!r.success && r.error)!;
    expect(e.code).to.equal("validation_failed");
    expect(e.details).to.deep.equal([
      { path: "n", message: (e.details as { message: string }[])[0].message },
    ]);
  });

  it("pg and Prisma connection failures are unavailable (503, retryable)", () => {
    for (const err of [
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
      Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }),
      Object.assign(new Error("Can't reach database server"), { code: "P1001" }),
      new Error("Connection terminated unexpectedly"),
      new Error("Query read timeout"),
    ]) {
      expect(isConnectionError(err), err.message).to.equal(true);
      expect(toAppError(err)?.code, err.message).to.equal("unavailable");
      expect(toAppError(err)?.status).to.equal(503);
    }
  });

  it("other pg errors (a constraint, a syntax error) are unknown: the edge answers internal", () => {
    expect(code(Object.assign(new Error("duplicate key"), { code: "23505" }))).to.equal(null);
    expect(code(Object.assign(new Error("syntax error"), { code: "42601" }))).to.equal(null);
  });

  it("body-parser's failures are the client's: invalid_json, payload_too_large, validation_failed", () => {
    expect(code({ type: "entity.parse.failed", status: 400 })).to.equal("invalid_json");
    expect(code({ type: "entity.too.large", status: 413 })).to.equal("payload_too_large");
    expect(code(Object.assign(new Error("bad"), { type: "encoding.invalid" }))).to.equal("validation_failed");
    expect(code({ type: "charset.unsupported", status: 415 })).to.equal("validation_failed");
    expect(code({ type: "request.aborted", status: 400 })).to.equal("validation_failed");
  });

  it("any other 4xx is validation_failed (413: payload_too_large); a 5xx or plain error is unknown", () => {
    expect(code({ status: 400 })).to.equal("validation_failed");
    expect(code({ status: 413 })).to.equal("payload_too_large");
    expect(code({ status: 500 })).to.equal(null);
    expect(code(new Error("boom"))).to.equal(null);
    for (const odd of [undefined, null, "text", 42]) expect(code(odd)).to.equal(null);
  });
});
