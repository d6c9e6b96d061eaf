import { expect } from "chai";
import { uuid } from "@chat/client/core";

describe("client ids (packages/client uuid)", () => {
  const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("uses crypto.randomUUID where there is one", () => {
    expect(uuid({ randomUUID: () => "x", getRandomValues: (a) => a })).to.equal("x");
  });

  it("forms a version 4 UUID from getRandomValues where randomUUID is missing (plain HTTP on a LAN address)", () => {
    const c = {
      getRandomValues: <T extends ArrayBufferView | null>(a: T) => crypto.getRandomValues(a as never) as T,
    };
    const ids = new Set(Array.from({ length: 200 }, () => uuid(c)));
    expect(ids.size).to.equal(200);
    for (const id of ids) expect(id).to.match(V4);
    const ones = { getRandomValues: <T>(a: T) => ((a as Uint8Array).fill(0xff), a) };
    expect(uuid(ones)).to.equal("ffffffff-ffff-4fff-bfff-ffffffffffff");
  });
});
