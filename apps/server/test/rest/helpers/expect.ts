/** Assertions shared by the REST tests: success shapes from the route table, the error body. */
import { expect } from "chai";
import type { Response } from "supertest";
import {
  ErrorResponseSchema,
  routes,
  type ErrorCode,
  type RouteName,
  type RouteResponse,
} from "@chat/protocol";

/** The answer has the route's status (or `status`) and parses with the route's response schema. */
export function expectOk<N extends RouteName>(name: N, res: Response, status?: number): RouteResponse<N> {
  const def = routes[name];
  expect(res.status, `${name}: ${JSON.stringify(res.body)}`).to.equal(status ?? def.status);
  // A redirect route's answer is its Location (bind.ts), with no body.
  const redirect = res.status >= 300 && res.status < 400;
  if (!redirect) expect(res.headers["content-type"]).to.match(/^application\/json/);
  const parsed = def.response.safeParse(
    redirect ? { url: res.headers.location, expires_at: new Date().toISOString() } : res.body,
  );
  expect(parsed.success, `${name} response shape: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
  return parsed.data as RouteResponse<N>;
}

/** `{error: {code, message, details?}}` with this status and code, and nothing internal in it. */
export function expectError(res: Response, status: number, code: ErrorCode) {
  expect(res.status, `expected ${status} ${code}, got ${res.status} ${res.text}`).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/json/);
  const parsed = ErrorResponseSchema.safeParse(res.body);
  expect(parsed.success, `error body shape: ${res.text}`).to.equal(true);
  expect(res.body.error.code).to.equal(code);
  expect(Object.keys(res.body)).to.deep.equal(["error"]);
  expect(res.text).not.to.match(/\bat .+\.(ts|js):\d+/); // no stack frames
  return res.body.error as { code: ErrorCode; message: string; details?: unknown };
}

/** A validation error that names `field` among its failing fields. */
export function expectInvalid(res: Response, field: string) {
  const err = expectError(res, 400, "validation_failed");
  const paths = (err.details as { path: string }[] | undefined)?.map((d) => d.path) ?? [];
  expect(paths, `failing fields of ${res.text}`).to.include(field);
  return err;
}
